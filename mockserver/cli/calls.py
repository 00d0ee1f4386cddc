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

from mockserver.cli.server_url import DEFAULT_URL, URL_VARIABLES, add_url_option, server_url
from mockserver.config import ACTIVITIES, Settings
from mockserver.telephony.scenario import (
    ON_CALL,
    Playback,
    ScenarioError,
    ScenarioLimit,
    StepRefused,
    load,
    schema,
)
from mockserver.telephony.shipped import resolve, shipped

COMMANDS = ("call", "scenario", "activity")
CALL_VARIABLES = [URL_VARIABLES[0]]


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
        epilog=f"Extensions by ID or extension number, outside parties by E.164 number "
        f"(+16505550100). {SERVER_EPILOG}",
    )
    _server_options(call)
    steps = call.add_subparsers(dest="step", required=True, parser_class=parser_class)

    def step_parser(name: str, text: str) -> argparse.ArgumentParser:
        found: argparse.ArgumentParser = steps.add_parser(name, help=text, description=text)
        _server_options(found)  # --url and --account after the verb too
        return found

    ring = step_parser("ring", "FROM rings TO (each an extension or an outside number)")
    ring.add_argument("caller", metavar="FROM", help="who calls: an extension or an E.164 number")
    ring.add_argument("callee", metavar="TO", help="who is rung: an extension or an E.164 number")
    ring.add_argument("--name", help="the outside party's caller-ID name")
    queue = step_parser("queue", "an outside call to a call queue")
    queue.add_argument("queue", metavar="QUEUE", help="the queue's ID or extension number")
    queue.add_argument("caller", metavar="FROM", help="the outside caller's E.164 number")
    queue.add_argument("--name", help="the outside party's caller-ID name")
    for name in ("answer", "hold", "unhold", "end", "park", "pickup", "transfer"):
        step = step_parser(name, f"{name} a call (by its telephonySessionId)")
        step.add_argument("session", metavar="CALL", help="the call's telephonySessionId")
        if name == "transfer":
            step.add_argument("target", metavar="TO", help="an extension or an E.164 number")
            step.add_argument("--warm", action="store_true", help="to a consulted target")
        acting = "the extension picking up" if name == "pickup" else "the extension acting"
        step.add_argument(
            "--by", required=name == "pickup", help=f"{acting} (ID or extension number)"
        )
        if name == "park":
            step.add_argument("--location", help="the Park Location (default: the account's first)")
    meeting = step_parser("meeting", "a user starts or ends a meeting")
    meeting.add_argument("what", choices=["start", "end"], help="start or end")
    meeting.add_argument("user", metavar="USER", help="the user's ID or extension number")
    presence = step_parser("presence", "set a user's status, DND or message")
    presence.add_argument("user", metavar="USER", help="the user's ID or extension number")
    presence.add_argument(
        "--user-status", choices=["Available", "Busy", "Offline"], help="the new userStatus"
    )
    presence.add_argument(
        "--dnd-status",
        choices=["TakeAllCalls", "DoNotAcceptDepartmentCalls", "DoNotAcceptAnyCalls"],
        help="the new dndStatus",
    )
    presence.add_argument("--message", help="the new status message")
    step_parser("list", "the calls in progress")

    scenario = commands.add_parser(
        "scenario",
        help="list, check or play a scenario (a shipped one by name, or a file)",
        epilog="SCENARIO is a file, or the name of a shipped example (scenario list). "
        + SERVER_EPILOG,
    )
    _server_options(scenario)
    actions = scenario.add_subparsers(
        dest="scenario_action", required=True, parser_class=parser_class
    )
    actions.add_parser("list", help="the shipped example scenarios, by name")
    run = actions.add_parser("run", help="play SCENARIO on a running server, on its clock")
    run.add_argument("file", metavar="SCENARIO", help="a shipped scenario's name, or a file")
    _server_options(run)
    run.add_argument(
        "--reset",
        action="store_true",
        help="reset the server first (POST /_mock/reset: presence, calls, journals, chaos; a "
        "frozen clock stays frozen)",
    )
    run.add_argument(
        "--clock",
        choices=["advance", "wait"],
        default="advance",
        help="on a frozen server clock: move it to each step (advance) or wait for someone "
        "else to (default: advance)",
    )
    run.add_argument(
        "--keep-going", action="store_true", help="go on past a refused step (exit 1 at the end)"
    )
    _wait_option(run)
    check = actions.add_parser("check", help="validate SCENARIO against the scenario schema")
    check.add_argument("file", metavar="SCENARIO", help="a shipped scenario's name, or a file")
    actions.add_parser("schema", help="print the scenario JSON Schema")

    activity = commands.add_parser(
        "activity",
        help="start (or --stop) a background activity (office-day) on a running server; "
        "the server's own player plays it",
        epilog=SERVER_EPILOG,
    )
    activity.add_argument(
        "name",
        nargs="?",
        default=ACTIVITIES[0],
        choices=ACTIVITIES,
        help=f"the activity (default: {ACTIVITIES[0]})",
    )
    _server_options(activity)
    activity.add_argument(
        "--rate", type=float, help="the pace: times faster than life (default: the server's)"
    )
    activity.add_argument("--seed", type=int, help="of the timeline (default: the server's --seed)")
    activity.add_argument("--stop", action="store_true", help="stop the activity instead")
    _wait_option(activity)


SERVER_EPILOG = (
    f"The server is --url (anywhere among the arguments), else {URL_VARIABLES[0]}, else "
    f"{URL_VARIABLES[1]}, else {DEFAULT_URL}."
)


def _server_options(parser: argparse.ArgumentParser) -> None:
    add_url_option(parser)
    parser.add_argument(
        "--account",
        default=argparse.SUPPRESS,
        help="the account's ID (default: the first)",
    )


def _wait_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait-for-server",
        type=float,
        metavar="SECONDS",
        help="wait up to SECONDS for the server to answer before the first request "
        "(default: ask once)",
    )


def _driver(args: argparse.Namespace, environ: Mapping[str, str], settings: Settings) -> HttpDriver:
    url = server_url(args, environ)
    return HttpDriver(url, getattr(args, "account", None), settings.controls_token)


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
    if args.scenario_action == "list":
        print(_listing())
        return 0
    loaded = load(resolve(args.file))
    if args.scenario_action == "check":
        steps = tuple(loaded.steps)
        print(f"{args.file}: {len(steps)} steps, {steps[-1].at:g}s: valid")
        return 0
    driver = _driver(args, environ, settings)
    if args.wait_for_server:
        wait_for(driver, args.wait_for_server)
    if args.reset:
        reset(driver)
    playback = Playback(loaded, driver, strict=not args.keep_going)
    try:
        for outcome in _narrated(playback, advance=args.clock == "advance"):
            print(outcome, flush=True)
    except ScenarioError as error:  # strict: the first refused step stops the play
        raise ScenarioError(f"{error}{_why(playback, args.reset)}") from None
    if any(o.refused for o in playback.outcomes):
        print(f"presence-mock: steps were refused{_why(playback, args.reset)}", file=sys.stderr)
        return 1
    return 0


def _why(playback: Playback, reset: bool) -> str:
    """Why, when steps were refused for the state the server is in (409), not for the file."""
    if reset or not any((o.refused or "").startswith("409 ") for o in playback.outcomes):
        return ""
    return (
        "; the server is not in the state the scenario starts from (calls, meetings or "
        "presence left by earlier use): --reset plays it from the seeded state"
    )


def _listing() -> str:
    """One line per shipped scenario: its name, what it plays, its steps and length."""
    found = shipped()
    width = max((len(name) for name in found), default=0)
    lines = []
    for name, path in found.items():
        loaded = load(path)
        steps = tuple(loaded.steps)
        lines.append(f"{name:<{width}}  {loaded.name} ({len(steps)} steps, {steps[-1].at:g}s)")
    return "\n".join(lines)


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


def reset(driver: HttpDriver) -> None:
    """The server back to its seeded state; a frozen clock stays frozen (at real time), so a
    play that moves the clock step by step still does (reset alone restarts it)."""
    frozen = driver.frozen()
    driver.send("POST", "/reset")
    if frozen:
        driver.send("POST", "/clock", {"freeze": True})


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
