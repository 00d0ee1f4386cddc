"""`presence-mock call`, `scenario` and `activity`: drive simulated calls on a live server over
its /_mock/ HTTP API. `serve --scenario` runs `scenario run` as a companion process
beside the server (runtime/companions.py).

Only the standard library's urllib is used, so the commands need nothing beyond presence-mock.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from mockserver.config import ACTIVITIES, ENV_PREFIX, Settings
from mockserver.telephony.scenario import (
    ON_CALL,
    Playback,
    ScenarioError,
    ScenarioLimit,
    StepRefused,
    load,
    schema,
)

COMMANDS = ("call", "scenario", "activity")
URL_VARIABLE = ENV_PREFIX + "URL"
CALL_VARIABLES = [URL_VARIABLE]
DEFAULT_URL = "http://127.0.0.1:8080"


class ServerGone(Exception):
    """The server stopped answering (a companion then stops too)."""


class HttpDriver:
    """Steps on a live server through /_mock/; its clock is the server's."""

    def __init__(self, url: str, account: str | None = None, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.account = account
        self.token = token

    def send(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_mock{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            try:
                found = json.loads(text)
                text = f"{found.get('errorCode')}: {found.get('message')}"
            except (ValueError, AttributeError):
                pass
            raise StepRefused(f"{error.code} {text}") from None
        except (urllib.error.URLError, OSError) as error:
            raise ServerGone(f"{self.url}: {getattr(error, 'reason', error)}") from None

    def _with_account(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "accountId": self.account} if self.account else body

    def now(self) -> float:
        clock = self.send("GET", "/clock")
        self._frozen: bool | None = bool(clock["frozen"])  # Playback asks right after
        return float(clock["now"])

    def frozen(self) -> bool:
        known, self._frozen = getattr(self, "_frozen", None), None
        return known if known is not None else bool(self.send("GET", "/clock")["frozen"])

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.send("POST", "/clock", {"advance": seconds})

    def perform(self, action: str, args: Mapping[str, Any], session: str | None) -> Any:
        text = {k: (v if isinstance(v, bool) else str(v)) for k, v in args.items()}
        if action == "ring":
            placed: dict[str, Any] = {k: text[k] for k in ("from", "to", "name") if k in text}
            return self.send("POST", "/calls", self._with_account(placed))
        if action == "queue-call":
            queued: dict[str, Any] = {"queueId": text["queue"], "from": text["from"]}
            if "name" in text:
                queued["name"] = text["name"]
            return self.send("POST", "/queue-calls", self._with_account(queued))
        if action in ("meeting-start", "meeting-end"):
            step = action.partition("-")[2]
            path = f"/meetings/{quote(str(text['user']))}/{step}"
            return self.send("POST", path, self._with_account({}))
        if action == "presence":
            changes = {k: v for k, v in args.items() if k != "user"}
            query = f"?accountId={self.account}" if self.account else ""
            return self.send("POST", f"/presence/{quote(str(text['user']))}{query}", changes)
        names = {"by": "extensionId", "location": "location", "to": "to", "warm": "warm"}
        body: dict[str, Any] = {names[k]: v for k, v in text.items() if k in names}
        path = f"/calls/{quote(session or '-', safe='')}/{action}"
        return self.send("POST", path, self._with_account(body))


# -- the commands ---------------------------------------------------------------------------------
def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """`call`, `scenario` and `activity`, on the `presence-mock` command's subparsers."""
    call = commands.add_parser(
        "call",
        help="place and drive a simulated call or meeting on a running server",
        epilog=f"The server is --url, else {URL_VARIABLE}, else {DEFAULT_URL}. Extensions by ID "
        "or extension number, outside parties by E.164 number (+16505550100).",
    )
    _server_options(call)
    steps = call.add_subparsers(dest="step", required=True, parser_class=parser_class)
    ring = steps.add_parser("ring", help="ring TO from FROM (an extension or an outside number)")
    ring.add_argument("caller", metavar="FROM")
    ring.add_argument("callee", metavar="TO")
    ring.add_argument("--name", help="the outside party's caller-ID name")
    queue = steps.add_parser("queue", help="an outside call to a call queue")
    queue.add_argument("queue", metavar="QUEUE")
    queue.add_argument("caller", metavar="FROM")
    queue.add_argument("--name")
    for name in ("answer", "hold", "unhold", "end", "park", "pickup", "transfer"):
        step = steps.add_parser(name, help=f"{name} a call (by its telephonySessionId)")
        step.add_argument("session", metavar="CALL")
        if name == "transfer":
            step.add_argument("target", metavar="TO")
            step.add_argument("--warm", action="store_true", help="to a consulted target")
        step.add_argument("--by", required=name == "pickup", help="the extension acting")
        if name == "park":
            step.add_argument("--location", help="the Park Location (default: the first)")
    meeting = steps.add_parser("meeting", help="a user starts or ends a meeting")
    meeting.add_argument("what", choices=["start", "end"])
    meeting.add_argument("user", metavar="USER")
    presence = steps.add_parser("presence", help="set a user's status, DND or message")
    presence.add_argument("user", metavar="USER")
    presence.add_argument("--user-status", choices=["Available", "Busy", "Offline"])
    presence.add_argument(
        "--dnd-status",
        choices=["TakeAllCalls", "DoNotAcceptDepartmentCalls", "DoNotAcceptAnyCalls"],
    )
    presence.add_argument("--message")
    steps.add_parser("list", help="the calls in progress")

    scenario = commands.add_parser("scenario", help="check or play a scenario file")
    actions = scenario.add_subparsers(dest="scenario_action", required=True)
    run = actions.add_parser("run", help="play FILE on a running server, on its clock")
    run.add_argument("file", metavar="FILE")
    _server_options(run)
    run.add_argument(
        "--clock",
        choices=["advance", "wait"],
        default="advance",
        help="on a frozen server clock: move it to each step (advance, the default) or wait "
        "for someone else to",
    )
    run.add_argument(
        "--keep-going", action="store_true", help="go on past a refused step (exit 1 at the end)"
    )
    run.add_argument(
        "--wait-for-server",
        type=float,
        metavar="SECONDS",
        help="wait up to SECONDS for the server to answer first",
    )
    check = actions.add_parser("check", help="validate FILE against the scenario schema")
    check.add_argument("file", metavar="FILE")
    actions.add_parser("schema", help="print the scenario JSON Schema")

    activity = commands.add_parser(
        "activity",
        help="start (or --stop) a background activity (office-day) on a running server; "
        "the server's own player plays it",
    )
    activity.add_argument("name", choices=ACTIVITIES)
    _server_options(activity)
    activity.add_argument(
        "--rate", type=float, help="the pace: times faster than life (default: the server's)"
    )
    activity.add_argument("--seed", type=int, help="of the timeline (default: the server's)")
    activity.add_argument("--stop", action="store_true", help="stop the background instead")
    activity.add_argument("--wait-for-server", type=float, metavar="SECONDS")


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=f"the server (default {URL_VARIABLE} or {DEFAULT_URL})")
    parser.add_argument("--account", help="the account's ID (default: the first)")


def _driver(args: argparse.Namespace, environ: Mapping[str, str], settings: Settings) -> HttpDriver:
    url = args.url or environ.get(URL_VARIABLE) or DEFAULT_URL
    return HttpDriver(url, args.account, settings.controls_token)


def run_command(args: argparse.Namespace, environ: Mapping[str, str], settings: Settings) -> int:
    try:
        if args.command == "call":
            return _call(args, _driver(args, environ, settings))
        if args.command == "scenario":
            return _scenario(args, environ, settings)
        return _activity(args, environ, settings)
    except ScenarioLimit as error:  # a file past a stated limit: refused as a bad option is
        print(f"presence-mock: {error}", file=sys.stderr)
        return 2
    except (StepRefused, ScenarioError, ServerGone) as error:
        print(f"presence-mock: {error}", file=sys.stderr)
        return 1


def _call(args: argparse.Namespace, driver: HttpDriver) -> int:
    step = args.step
    if step == "list":
        query = f"?accountId={driver.account}" if driver.account else ""
        answer = driver.send("GET", f"/calls{query}")
    elif step == "ring":
        named = {"name": args.name} if args.name else {}
        answer = driver.perform("ring", {"from": args.caller, "to": args.callee, **named}, None)
    elif step == "queue":
        named = {"name": args.name} if args.name else {}
        args_ = {"queue": args.queue, "from": args.caller, **named}
        answer = driver.perform("queue-call", args_, None)
    elif step == "meeting":
        answer = driver.perform(f"meeting-{args.what}", {"user": args.user}, None)
    elif step == "presence":
        given = {
            "userStatus": args.user_status,
            "dndStatus": args.dnd_status,
            "message": args.message,
        }
        changes = {k: v for k, v in given.items() if v is not None}
        answer = driver.perform("presence", {"user": args.user, **changes}, None)
    else:
        fields: dict[str, Any] = {}
        if args.by:
            fields["by"] = args.by
        if step == "park" and args.location:
            fields["location"] = args.location
        if step == "transfer":
            fields |= {"to": args.target, **({"warm": True} if args.warm else {})}
        assert step in ON_CALL
        answer = driver.perform(step, fields, args.session)
    print(json.dumps(answer, indent=2))
    return 0


def _scenario(args: argparse.Namespace, environ: Mapping[str, str], settings: Settings) -> int:
    if args.scenario_action == "schema":
        print(json.dumps(schema(), indent=2))
        return 0
    loaded = load(args.file)
    if args.scenario_action == "check":
        steps = tuple(loaded.steps)
        print(f"{args.file}: {len(steps)} steps, {steps[-1].at:g}s: valid")
        return 0
    driver = _driver(args, environ, settings)
    if args.wait_for_server:
        wait_for(driver, args.wait_for_server)
    playback = Playback(loaded, driver, strict=not args.keep_going)
    for outcome in _narrated(playback, advance=args.clock == "advance"):
        print(outcome, flush=True)
    return 1 if any(o.refused for o in playback.outcomes) else 0


def _narrated(playback: Playback, advance: bool) -> list[str]:
    lines: list[str] = []
    done = 0

    def keep_going() -> bool:
        nonlocal done
        for outcome in playback.outcomes[done:]:
            what = f"refused: {outcome.refused}" if outcome.refused else "ok"
            line = f"+{outcome.time - (playback.start or 0):.1f}s {outcome.step.action}: {what}"
            print(line, flush=True)
        done = len(playback.outcomes)
        return True

    playback.run(advance_frozen=advance, keep_going=keep_going)
    keep_going()
    return lines


def wait_for(driver: HttpDriver, seconds: float) -> None:
    """Until the server answers its health check (a companion starts with its server)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            driver.send("GET", "/health")
            return
        except (ServerGone, StepRefused):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _activity(args: argparse.Namespace, environ: Mapping[str, str], settings: Settings) -> int:
    """Ask the server for the day (POST /_mock/activity) or stop it (DELETE): the server's player
    (telephony/player.py) plays it, once across its workers and replicas."""
    driver = _driver(args, environ, settings)
    if args.wait_for_server:
        wait_for(driver, args.wait_for_server)
    if args.stop:
        print(json.dumps(driver.send("DELETE", "/activity")))
        return 0
    body: dict[str, Any] = {"name": args.name}
    if args.rate is not None:
        body["rate"] = args.rate
    if args.seed is not None:
        body["seed"] = args.seed
    print(json.dumps(driver.send("POST", "/activity", body)))
    return 0
