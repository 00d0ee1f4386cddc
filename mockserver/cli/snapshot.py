"""`presence-mock snapshot export FILE | import FILE | check FILE | schema` (docs/snapshots.md).

export and import talk to a running server's `/_mock/snapshot` (the server is --url, else
PRESENCE_MOCK_URL, else the default, as for `call`; the controls token, when the server wants
one, is PRESENCE_MOCK_CONTROLS_TOKEN). A file that is no good snapshot is refused here, before
anything is sent; a snapshot the server refuses is its one line. Exit 2 for either, 1 when the
server cannot be reached. `-` is standard output (export) or input (import).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from mockserver.cli import server_url as urls
from mockserver.config import Settings
from mockserver.inputs import TooLarge, Unreadable, read_file
from mockserver.snapshots import MAX_SNAPSHOT_BYTES, SnapshotError, directory_of, parse, schema
from mockserver.snapshots.files import write_snapshot

COMMAND = "snapshot"
TIMEOUT = 120.0  # seconds: a snapshot of 100,000 extensions takes a while to write and read


class Refused(Exception):
    """The server refused (a 4xx): exit 2."""


class Unreachable(Exception):
    """No answer from the server: exit 1."""


def add_parser(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    snapshot = commands.add_parser(
        COMMAND,
        help="save a running server's state to a file, or load one into it",
        epilog=f"The server is --url, else {urls.URL_VARIABLES[0]}, else {urls.URL_VARIABLES[1]}, "
        f"else {urls.DEFAULT_URL}; its controls token, if it wants one, "
        "PRESENCE_MOCK_CONTROLS_TOKEN.",
    )
    urls.add_url_option(snapshot)
    actions = snapshot.add_subparsers(
        dest="snapshot_action", required=True, parser_class=parser_class
    )
    export = actions.add_parser("export", help="write the server's state to FILE (- : stdout)")
    export.add_argument("file", metavar="FILE", help="the snapshot file to write, -: stdout")
    load = actions.add_parser(
        "import", help="replace the server's state by FILE's (- : stdin), all or nothing"
    )
    load.add_argument("file", metavar="FILE", help="the snapshot file to load, -: stdin")
    for action in (export, load):
        urls.add_url_option(action)
    check = actions.add_parser("check", help="validate FILE against the snapshot format")
    check.add_argument("file", metavar="FILE", help="the snapshot file to check")
    actions.add_parser("schema", help="print the snapshot JSON Schema")


def server_url(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """The server, as every client command finds it (cli/server_url.py)."""
    return urls.server_url(args, environ)


def run(args: argparse.Namespace, environ: Mapping[str, str], settings: Settings) -> int:
    action = args.snapshot_action
    try:
        if action == "schema":
            print(json.dumps(schema(), indent=2))
            return 0
        if action == "check":
            found = _read(args.file)
            directory_of(found, args.file)  # the accounts, as a fixture's are checked
            counts = f"{len(found['subscriptions'])} subscription(s)"
            print(f"{args.file}: a valid snapshot, version {found['version']} ({counts})")
            return 0
        url = server_url(args, environ)
        if action == "export":
            data = _send("GET", url, settings.controls_token)
            if args.file == "-":
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                write_snapshot(args.file, data)
                print(f"presence-mock: the state of {url} written to {args.file}")
            return 0
        raw = _raw(args.file)
        parse(raw, args.file)  # refused here, with the file's name, before anything is sent
        answer = json.loads(_send("PUT", url, settings.controls_token, raw))
        print(
            f"presence-mock: {args.file} imported into {url} "
            f"({answer.get('subscriptions', 0)} subscription(s), event log at "
            f"{answer.get('position', 0)})"
        )
        return 0
    except (SnapshotError, Refused) as error:
        print(f"presence-mock: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # writing the file
        print(f"presence-mock: {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except Unreachable as error:
        print(f"presence-mock: {error}", file=sys.stderr)
        return 1


def _read(path: str) -> dict[str, Any]:
    return parse(_raw(path), path)


def _raw(path: str) -> bytes:
    """The file's bytes (`-`: standard input), bounded; SnapshotError when it cannot be read."""
    try:
        if path != "-":
            return read_file(path, MAX_SNAPSHOT_BYTES, "snapshot")
        data = sys.stdin.buffer.read(MAX_SNAPSHOT_BYTES + 1)
        if len(data) > MAX_SNAPSHOT_BYTES:
            raise TooLarge(f"-: snapshots are limited to {MAX_SNAPSHOT_BYTES >> 20} MiB")
        return data
    except (TooLarge, Unreadable) as error:
        raise SnapshotError(str(error)) from None


def _send(method: str, url: str, token: str | None, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(f"{url}/_mock/snapshot", data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return bytes(answer.read())
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        try:
            message = str(json.loads(text).get("message") or text)
        except (ValueError, AttributeError):
            message = text.strip().splitlines()[0] if text.strip() else error.reason
        hint = ""
        if error.code == 401:
            hint = " (the server's controls want a token: set PRESENCE_MOCK_CONTROLS_TOKEN)"
        elif error.code == 404 and not text.strip().startswith("{"):
            hint = " (is this a presence-mock server?)"
        raise Refused(f"{url} refused it ({error.code}): {message}{hint}") from None
    except (urllib.error.URLError, OSError) as error:
        raise Unreachable(f"{url}: {getattr(error, 'reason', error)}") from None
