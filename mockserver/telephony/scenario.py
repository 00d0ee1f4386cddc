"""Scenarios: timelines of call, meeting and presence steps at offsets, played on the emulator's
clock.

A scenario is YAML or JSON, checked against the published JSON Schema `scenario.schema.json`
(beside this module; docs/calls.md) and then for what a schema cannot say (offsets in order,
call labels defined before use). `Playback` plays one through a `Driver`: the engine in process
(`EngineDriver`, PresenceMock.play) or a live server over HTTP (cli/calls.py). On a frozen clock
nothing happens until the clock is advanced (`Playback.advance`); on a running one `run` waits
for each step's time.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml
from jsonschema import Draft202012Validator, ValidationError

from mockserver.errors import MockError
from mockserver.inputs import MAX_JSON_DEPTH, TooLarge, Unreadable, quoted, read_file
from mockserver.telephony.call_engine import CallEngine

SCHEMA_FILE = "scenario.schema.json"
ACTIONS = (
    "ring",
    "queue-call",
    "answer",
    "hold",
    "unhold",
    "park",
    "pickup",
    "transfer",
    "end",
    "meeting-start",
    "meeting-end",
    "presence",
)
PLACING = ("ring", "queue-call")  # the steps that place a call (and may label it)
ON_CALL = ("answer", "hold", "unhold", "park", "pickup", "transfer", "end")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# Bounds of what a scenario file may be (docs/calls.md): its size (256 KiB is about 4,500 steps,
# read and checked in seconds; a real scenario is a few dozen), its nesting (the schema's deepest
# is 4) and no YAML aliases (`*name`): none is needed, and a few of them nested make an "alias
# bomb" that expands to billions of nodes.
MAX_SCENARIO_BYTES = 256 << 10
MAX_SCENARIO_DEPTH = MAX_JSON_DEPTH
MAX_MESSAGE = 300  # characters of a problem's text: one line, never a whole document
# libyaml where PyYAML was built with it (several times faster), else PyYAML's own.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ScenarioError(ValueError):
    """A scenario that cannot be played: the message names the file, the step and the field."""


class ScenarioLimit(ScenarioError):
    """A scenario file past a stated limit (size, nesting, YAML aliases): the message names the
    file and the limit; the CLI exits 2, as for a bad option."""


class StepRefused(Exception):
    """A step the emulator refused (a 4xx): what it said."""


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    at: float  # seconds from the start
    action: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Scenario:
    """Steps in time order: a file's tuple, or an endless stream (office-day)."""

    name: str
    steps: Iterable[Step]
    account: str | None = None


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of a scenario."""
    text = resources.files("mockserver.telephony").joinpath(SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def seconds(offset: float | int | str) -> float:
    """An offset as seconds: 3, "3s", "+40s", "1m30s", "500ms", "1h"."""
    if isinstance(offset, int | float):
        return float(offset)
    return sum(float(n) * _UNITS[unit] for n, unit in re.findall(r"([0-9.]+)(ms|s|m|h)", offset))


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and check a scenario file (.yaml, .yml or .json)."""
    source = Path(path)
    try:
        raw = read_file(source, MAX_SCENARIO_BYTES, "scenario")
    except TooLarge as error:
        raise ScenarioLimit(str(error)) from None
    except Unreadable as error:
        raise ScenarioError(str(error)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{source}: not UTF-8 text ({error.reason})") from None
    return parse(text, str(source))


def parse(text: str, origin: str = "scenario") -> Scenario:
    """A scenario from its text (YAML 1.1 reads JSON too), within the limits above."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SCENARIO_BYTES:
        raise ScenarioLimit(f"{origin}: scenario files are limited to {MAX_SCENARIO_BYTES} bytes")
    try:
        _check_events(text, origin)  # before anything is built: no alias, no deep nesting
        document = yaml.load(text, Loader=_LOADER)  # a safe loader: plain data, no tags
    except yaml.YAMLError as error:
        said = _cut(" ".join(str(error).split()))
        raise ScenarioError(f"{origin}: not YAML or JSON: {said}") from None
    return from_document(document, origin)


def _check_events(text: str, origin: str) -> None:
    """One pass over the parser's events (no document is built): refuse an alias and nesting
    deeper than MAX_SCENARIO_DEPTH, naming the line."""
    depth = 0
    deep = ScenarioLimit(f"{origin}: nested deeper than {MAX_SCENARIO_DEPTH} levels, the limit")
    try:
        events = list(_events(text))
    except yaml.YAMLError as error:  # libyaml stops at 1000 levels, before the events come
        if "nesting depth" in str(error):
            raise deep from None
        raise
    for event in events:
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            raise ScenarioLimit(
                f"{origin}: line {line}: YAML aliases (*{_cut(str(event.anchor), 40)}) are not "
                "accepted in scenario files"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_SCENARIO_DEPTH:
                raise ScenarioLimit(
                    f"{origin}: line {line}: nested deeper than {MAX_SCENARIO_DEPTH} levels, the "
                    "limit of scenario files"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _events(text: str) -> Iterator[yaml.Event]:
    yield from yaml.parse(text, Loader=_LOADER)


def _cut(text: str, most: int = MAX_MESSAGE) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."


def from_document(document: Any, origin: str = "scenario") -> Scenario:
    validator = Draft202012Validator(schema())
    problems = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if problems:
        raise ScenarioError(_cut(f"{origin}: {' '.join(_said(problems[0]).split())}"))
    steps: list[Step] = []
    labels: set[str] = set()
    previous = 0.0
    for index, raw in enumerate(document["steps"]):
        action = next(k for k in raw if k != "at")
        at = seconds(raw["at"])
        where = f"{origin}: steps[{index}]"
        if at < previous:
            raise ScenarioError(f"{where}.at: {raw['at']!r} comes before the step above it")
        previous = at
        args = dict(raw[action] or {})
        if action in PLACING:
            label = args.setdefault("call", f"call{len(labels) + 1}")
            if label in labels:
                raise ScenarioError(f"{where}.{action}.call: {label!r} is placed twice")
            labels.add(label)
        elif action in ON_CALL:
            label = args.get("call")
            if not labels:
                raise ScenarioError(f"{where}: {action} before any call is placed")
            if label is not None and label not in labels:
                raise ScenarioError(f"{where}.{action}.call: no call is labelled {label!r}")
        steps.append(Step(index, at, action, args))
    name = document.get("name") or origin
    account = document.get("account")
    return Scenario(name, tuple(steps), None if account is None else str(account))


def _said(problem: ValidationError) -> str:
    """Where and what: a value none of the choices take is said with what is expected (the
    schema's description); else the deepest problem jsonschema found."""
    description = problem.schema.get("description") if isinstance(problem.schema, dict) else None
    if problem.validator in ("oneOf", "anyOf") and description:
        where = _path(problem.absolute_path) or "the document"
        return f"{where}: {quoted(problem.instance)} is not valid: expected {description}"
    deepest = min(problem.context or [problem], key=lambda e: -len(e.absolute_path))
    if deepest is not problem:
        return _said(deepest)
    # jsonschema's message quotes the whole value: cut (a few hundred characters at most).
    return f"{_path(problem.absolute_path) or 'the document'}: {_cut(problem.message)}"


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


# -- playing --------------------------------------------------------------------------------------
class Driver(Protocol):
    """Where the steps happen and whose clock they follow."""

    def perform(self, action: str, args: Mapping[str, Any], session: str | None) -> Any:
        """Do one step (`session`: the telephonySessionId of the call it acts on); return what
        the emulator answered (a session for a call step); raise StepRefused on a refusal."""
        ...

    def now(self) -> float: ...

    def frozen(self) -> bool: ...

    def advance(self, seconds: float) -> None: ...


@dataclass
class Outcome:
    step: Step
    time: float  # emulator time it ran at
    answer: Any = None
    refused: str | None = None


@dataclass
class Playback:
    """One scenario being played. `strict`: a refused step raises (a test wants to know);
    otherwise it is recorded in `outcomes` and the play goes on (the office's background)."""

    scenario: Scenario
    driver: Driver
    strict: bool = True
    start: float | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    calls: dict[str, str] = field(default_factory=dict)  # label -> telephonySessionId
    last_call: str | None = None
    stopped: bool = False
    keep: int | None = None  # outcomes kept (an endless play keeps the last ones only)

    def __post_init__(self) -> None:
        if self.start is None:
            self.start = self.driver.now()
        self._steps = iter(self.scenario.steps)
        self._next: Step | None = next(self._steps, None)

    @property
    def done(self) -> bool:
        return self.stopped or self._next is None

    @property
    def upcoming(self) -> Step | None:
        """The next step to play, None when all are played."""
        return None if self.done else self._next

    def next_time(self) -> float | None:
        """The emulator time of the next step, None when all are played."""
        if self.done or self._next is None:
            return None
        assert self.start is not None
        return self.start + self._next.at

    def due(self) -> list[Outcome]:
        """Play every step whose time has come."""
        played: list[Outcome] = []
        now = self.driver.now()
        while self._next is not None and not self.stopped and (self.next_time() or 0.0) <= now:
            played.append(self._play(self._next, now))
            self._next = next(self._steps, None)
        if self.keep is not None and len(self.outcomes) > self.keep:
            del self.outcomes[: len(self.outcomes) - self.keep]
        return played

    def advance(self, seconds: float) -> list[Outcome]:
        """Move the (frozen) emulator clock forward and play what came due."""
        self.driver.advance(seconds)
        return self.due()

    def finish(self) -> list[Outcome]:
        """Advance the clock from step to step until every step is played."""
        played = self.due()
        while not self.done:
            target = self.next_time()
            assert target is not None
            self.driver.advance(max(0.0, target - self.driver.now()))
            played += self.due()
        return played

    def run(
        self,
        advance_frozen: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> list[Outcome]:
        """Play to the end on the emulator's clock: wait for each step's time on a running clock;
        on a frozen one, advance it (`advance_frozen`) or wait for someone else to."""
        while not self.done and keep_going():
            target = self.next_time()
            assert target is not None
            wait = target - self.driver.now()
            if wait > 0:
                if self.driver.frozen():
                    if advance_frozen:
                        self.driver.advance(wait)
                    else:
                        sleep(min(0.5, wait))
                else:
                    sleep(min(1.0, wait))
                continue
            self.due()
        return self.outcomes

    def _play(self, step: Step, now: float) -> Outcome:
        label = step.args.get("call")
        if step.action in ON_CALL:
            label = label or self.last_call
        session = self.calls.get(label) if label and step.action not in PLACING else None
        outcome = Outcome(step, now)
        try:
            if step.action in ON_CALL and session is None:
                raise StepRefused(f"the call {label!r} was never placed")
            outcome.answer = self.driver.perform(step.action, step.args, session)
        except StepRefused as refusal:
            outcome.refused = str(refusal)
            self.outcomes.append(outcome)
            if self.strict:
                raise ScenarioError(
                    f"{self.scenario.name}: steps[{step.index}] ({step.action} at "
                    f"{step.at:g}s) was refused: {refusal}"
                ) from None
            return outcome
        if step.action in PLACING and isinstance(outcome.answer, dict):
            self.calls[step.args["call"]] = outcome.answer["telephonySessionId"]
            self.last_call = step.args["call"]
        elif step.action == "end" and self.keep is not None:
            self.calls.pop(label or "", None)  # an endless play forgets its ended calls
        self.outcomes.append(outcome)
        return outcome


class EngineDriver:
    """Steps straight on the engine, in this process (PresenceMock.play)."""

    def __init__(self, engine: CallEngine, account: str | None = None) -> None:
        self.engine = engine
        self.account = engine.account(account)

    def now(self) -> float:
        return self.engine.clock.now()

    def frozen(self) -> bool:
        return self.engine.clock.frozen

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.engine.clock.advance(seconds)

    def perform(self, action: str, args: Mapping[str, Any], session: str | None) -> Any:
        try:
            return perform(self.engine, self.account, action, args, session)
        except MockError as refusal:
            raise StepRefused(f"{refusal.status} {refusal.error_code}: {refusal.message}") from None


def perform(
    engine: CallEngine, account: Any, action: str, args: Mapping[str, Any], session: str | None
) -> Any:
    """One scenario step on the engine."""
    text = {k: str(v) for k, v in args.items() if not isinstance(v, bool)}
    by = text.get("by")
    if action == "ring":
        return engine.call(account, text["from"], text["to"], text.get("name"))
    if action == "queue-call":
        return engine.queue_call(account, text["queue"], text["from"], text.get("name"))
    if action in ("meeting-start", "meeting-end"):
        return engine.meeting(account, text["user"], start=action == "meeting-start")
    if action == "presence":
        changes = {k: v for k, v in args.items() if k != "user"}
        return engine.set_presence(account, text["user"], changes)
    sid = session or ""
    if action == "park":
        return engine.park(account, sid, by, text.get("location"))
    if action == "pickup":
        return engine.pickup(account, sid, text["by"])
    if action == "transfer":
        return engine.transfer(account, sid, text["to"], by, bool(args.get("warm", False)))
    steps = {"answer": engine.answer, "hold": engine.hold, "unhold": engine.unhold}
    if action == "end":
        return engine.end(account, sid, by)
    return steps[action](account, sid, by)
