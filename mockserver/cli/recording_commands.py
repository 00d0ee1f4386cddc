"""The commands around recordings: `record`, `replay`, `drift` and `coverage`, one function each.

Each `add_*` registers its subcommand with `run` set to the function that carries it out;
`main` calls `args.run(args)`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from mockserver.cli.server_url import add_url_option, given_url, server_url

DRIFT_FORMATS = ("text", "json", "junit")
# What the operator names for `record` to scrub besides what it always scrubs (comma lists).
RECORD_VARIABLES = ("PRESENCE_MOCK_SCRUB_FIELD", "PRESENCE_MOCK_SCRUB_HEADER")


def add_record(commands: Any) -> None:
    record = commands.add_parser(
        "record", help="proxy a real server and write what passes through, scrubbed"
    )
    record.add_argument(
        "--target",
        required=True,
        help="the upstream server to forward to (its base URL; not --url, which names the "
        "server a client command talks to)",
    )
    record.add_argument(
        "--out", default="recording.json", help="the recording file (default: recording.json)"
    )
    record.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    record.add_argument(
        "--port", type=int, default=8080, help="port to listen on, 0: a free one (default: 8080)"
    )
    record.add_argument(
        "--scrub-field",
        action="append",
        default=[],
        metavar="NAME[,NAME...]",
        help="also replace the value of every JSON key, form field and query parameter NAME "
        "(any case; repeatable; PRESENCE_MOCK_SCRUB_FIELD)",
    )
    record.add_argument(
        "--scrub-header",
        action="append",
        default=[],
        metavar="NAME[,NAME...]",
        help="also replace the value of every request and response header NAME "
        "(repeatable; PRESENCE_MOCK_SCRUB_HEADER)",
    )
    record.set_defaults(run=run_record)


def _names(given: list[str], variable: str) -> list[str]:
    """The names of repeated flags and comma lists, and of the variable's comma list."""
    texts = [*given, os.environ.get(variable, "")]
    return [name.strip() for text in texts for name in text.split(",") if name.strip()]


def run_record(args: argparse.Namespace) -> int:
    from mockserver.cli.logs import configure
    from mockserver.recording.proxy import Recorder, proxy_app
    from mockserver.recording.scrub import Scrubber
    from mockserver.runtime import workers

    configure("info", "text")
    port = args.port or _free_port(args.host)
    scrubber = Scrubber(
        fields=_names(args.scrub_field, RECORD_VARIABLES[0]),
        headers=_names(args.scrub_header, RECORD_VARIABLES[1]),
    )
    recorder = Recorder(args.target, args.out, scrubber)
    logging.getLogger("presence_mock").info(
        "presence-mock record: http://%s:%d -> %s, writing %s",
        args.host,
        port,
        args.target,
        args.out,
    )
    # One worker: the recording is one process's (its file is rewritten after each exchange).
    workers.serve(proxy_app(recorder), args.host, port, 1)
    return 0


def add_replay(commands: Any) -> None:
    replay = commands.add_parser("replay", help="turn a recording into a fixture file")
    replay.add_argument("recording", help="the recording file (record --out)")
    replay.add_argument(
        "--out", default="-", help="the fixture file, -: standard output (default: -)"
    )
    replay.set_defaults(run=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    from mockserver.directory.fixtures import directory_from_dict
    from mockserver.recording.exchange import load
    from mockserver.recording.replay import replayable_fixture

    fixture = replayable_fixture(load(args.recording), args.recording)
    directory_from_dict(fixture, args.recording)  # refused here, not when served
    text = json.dumps(fixture, indent=1) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def add_drift(commands: Any) -> None:
    drift = commands.add_parser(
        "drift", help="compare a recording's (or a live target's) answers with the emulator's"
    )
    drift.add_argument("recording", help="the recording file (record --out)")
    add_url_option(drift, default="none: the recording and the emulator only")
    drift.add_argument(
        "--client-id", help="the app's client ID at --url (default: RINGCENTRAL_CLIENT_ID)"
    )
    drift.add_argument(
        "--client-secret",
        help="the app's client secret at --url (default: RINGCENTRAL_CLIENT_SECRET)",
    )
    drift.add_argument(
        "--jwt", help="the user's JWT credential at --url (default: RINGCENTRAL_JWT)"
    )
    drift.add_argument(
        "--json",
        dest="json_out",
        default="drift.json",
        help="the JSON report (default: drift.json)",
    )
    drift.add_argument(
        "--format",
        choices=DRIFT_FORMATS,
        default="text",
        help="what to print on standard output: text, json (the --json report) or junit "
        "(JUnit XML, one test case per request) (default: text)",
    )
    drift.set_defaults(run=run_drift)


def run_drift(args: argparse.Namespace) -> int:
    """Exit 0 when the emulator answers as the recording (or target) does, 1 on any drift
    (limits of the recording are reported, not counted)."""
    from mockserver.recording import drift
    from mockserver.recording.exchange import load

    recording = load(args.recording)
    real = None
    url = given_url(args, os.environ)
    if url is not None:
        found = {
            "client_id": args.client_id or os.environ.get("RINGCENTRAL_CLIENT_ID"),
            "client_secret": args.client_secret or os.environ.get("RINGCENTRAL_CLIENT_SECRET"),
            "jwt": args.jwt or os.environ.get("RINGCENTRAL_JWT"),
        }
        missing = [name for name, value in found.items() if not value]
        if missing:
            raise ValueError(
                f"drift: the server {url[0]} (from {url[1]}) needs {', '.join(missing)} "
                "(flags or RINGCENTRAL_*)"
            )
        real = drift.target_answerer(url[0], **{k: str(v) for k, v in found.items()})
    logging.getLogger("presence_mock").disabled = True  # the emulator's lines are not the report
    emulator = drift.emulator_answerer(recording, args.recording)
    report = drift.compare(recording, emulator, real)
    Path(args.json_out).write_text(report.json() + "\n", encoding="utf-8")
    shown = {"text": report.text, "json": report.json, "junit": report.junit}[args.format]
    try:
        print(shown(), flush=True)
    except BrokenPipeError:  # a reader that stopped early (`| head`): the status still says it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1 if report.drifted else 0


def add_coverage(commands: Any) -> None:
    coverage = commands.add_parser(
        "coverage", help="what a client's test run exercised, from the emulator's journal"
    )
    add_url_option(coverage)
    coverage.add_argument(
        "--journal", metavar="PATH", help="read a saved GET /_mock/requests answer instead"
    )
    coverage.add_argument(
        "--json", dest="json_out", metavar="PATH", help="write the report as JSON to PATH"
    )
    coverage.add_argument("--junit", metavar="PATH", help="write the report as JUnit XML to PATH")
    coverage.add_argument(
        "--controls-token",
        help="the bearer secret of a locked /_mock/ (visible in ps: prefer the file or "
        "PRESENCE_MOCK_CONTROLS_TOKEN)",
    )
    coverage.add_argument(
        "--controls-token-file", metavar="PATH", help="read --controls-token from PATH's first line"
    )
    coverage.add_argument(
        "--fail-under",
        type=float,
        metavar="PERCENT",
        help="exit 1 when fewer than PERCENT of the items are covered (default: never)",
    )
    coverage.set_defaults(run=run_coverage)


def run_coverage(args: argparse.Namespace) -> int:
    import requests

    from mockserver.coverage import coverage_of, write_json
    from mockserver.recording.exchange import read_json_file

    if args.journal:
        entries = records_of(read_json_file(args.journal, "journal"))
    else:
        token = _controls_token(args)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = server_url(args, os.environ)
        answer = requests.get(f"{url}/_mock/requests", headers=headers, timeout=30)
        answer.raise_for_status()
        entries = records_of(answer.json())
    found = coverage_of(entries)
    print(found.table())
    if args.json_out:
        Path(args.json_out).write_text(write_json(found) + "\n", encoding="utf-8")
    if args.junit:
        Path(args.junit).write_text(found.junit() + "\n", encoding="utf-8")
    if args.fail_under is not None and 100 * found.ratio() < args.fail_under:
        return 1
    return 0


def records_of(answer: Any) -> Any:
    """The entries of a journal answer: `{"records": [...]}`, or the bare list older servers
    answered (and saved copies of them hold)."""
    return answer["records"] if isinstance(answer, dict) and "records" in answer else answer


def _controls_token(args: argparse.Namespace) -> str | None:
    """The flag, else the file, else PRESENCE_MOCK_CONTROLS_TOKEN (as serve reads them)."""
    from mockserver.config import ENV_PREFIX, Settings, with_secret_files

    found = with_secret_files(
        Settings(controls_token=args.controls_token, controls_token_file=args.controls_token_file)
    )
    return found.controls_token or os.environ.get(ENV_PREFIX + "CONTROLS_TOKEN") or None


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
