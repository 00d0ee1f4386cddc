"""Latency and fault rules, as text (`serve --latency/--fault`, `Prefer`) or JSON (`/_mock/chaos`).

A rule is `[OPERATION=]WHAT[:OPTION=VALUE]...`:

* latency WHAT: `800ms` or `1.5s` (fixed), `100ms-300ms` (uniform), `200ms~0.5` (lognormal:
  median and sigma);
* fault WHAT: `503` (CMN-201 with Retry-After), `500`, `429` (CMN-301 with the rate-limit
  headers), `reset`, `empty`, `truncate`, `stall`;
* options: `rate=5%` (or 0.05) of the calls, `next=N` calls only, `from=`/`until=` the emulator
  clock (epoch seconds or ISO 8601), `retry=S` (Retry-After of 503/429), `for=S` (a stall's length).

OPERATION is an operationId of the route table (`readUserPresenceStatus`, `getToken`); none
means every /restapi operation. docs/chaos.md has the whole grammar.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mockserver.errors import InvalidParameter
from mockserver.inputs import did_you_mean, quoted, whole_number
from mockserver.operations import API, OAUTH


class Fault(StrEnum):
    """A fault a rule injects; its value is the word rules, `Prefer` and journals use."""

    UNAVAILABLE = "503"  # CMN-201 with Retry-After
    SERVER_ERROR = "500"
    RATE_LIMITED = "429"  # CMN-301 with the rate-limit headers
    RESET = "reset"  # a TCP RST before any answer
    EMPTY = "empty"  # a FIN before any answer
    TRUNCATE = "truncate"  # the headers and half the body, then the break
    STALL = "stall"  # nothing for a while, then a FIN

    @property
    def status(self) -> int | None:
        """The HTTP status of a platform-error fault; None for a network fault."""
        return int(self.value) if self.value.isdigit() else None

    @property
    def network(self) -> bool:
        """Broken on the wire rather than answered with an error status."""
        return self.status is None

    @property
    def answered(self) -> bool:
        """Does a status line reach the client (an error, or a truncated answer)?"""
        return self not in (Fault.RESET, Fault.EMPTY, Fault.STALL)


class Transport(StrEnum):
    """The transports' own operation names, for rules a WebHook deliverer or the WebSocket
    gateway reads through `Chaos.plan` (those transports apply them, see docs/chaos.md)."""

    WEBHOOK_DELIVERY = "webhookDelivery"  # one POST to a WebHook address
    WEBSOCKET_SESSION = "webSocketSession"  # one notification on a WebSocket


FAULTS = tuple(fault.value for fault in Fault)
NETWORK_FAULTS = frozenset(fault for fault in Fault if fault.network)
TRANSPORTS = frozenset(Transport)
OPERATIONS = frozenset(op.endpoint for op in (*API, *OAUTH)) | TRANSPORTS
MAX_DELAY = 300.0  # seconds: a delay or a stall longer than five minutes is a typo
DEFAULT_STALL = 30.0  # seconds: past any client's usual timeout (docs/decisions.md)
_OPTION_START = re.compile(r":(?=[a-z]+=)")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")


class SpecError(InvalidParameter):
    """A rule the emulator cannot read: 400 CMN-101 at run time, exit 2 at start-up."""

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(parameter, message=f"Parameter [{parameter}] value is invalid: {problem}")


@dataclass(frozen=True, slots=True)
class Delay:
    """A latency distribution, in seconds."""

    kind: str  # fixed | uniform | lognormal
    low: float  # fixed: the delay; uniform: the lowest; lognormal: the median
    high: float = 0.0  # uniform: the highest; lognormal: sigma
    text: str = ""

    def sample(self, draw: float, normal: float) -> float:
        """The delay for a uniform `draw` in [0, 1) and a standard `normal` draw."""
        if self.kind == "uniform":
            return self.low + (self.high - self.low) * draw
        if self.kind == "lognormal":
            return min(MAX_DELAY, self.low * math.exp(self.high * normal))
        return self.low


@dataclass(frozen=True, slots=True)
class Rule:
    operation: str | None = None
    delay: Delay | None = None
    fault: Fault | None = None
    rate: float = 1.0
    next: int | None = None
    start: float | None = None  # emulator time
    until: float | None = None
    retry: int | None = None
    stall: float = DEFAULT_STALL
    text: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in asdict(self).items() if v is not None and k != "delay"}
        found["latency"] = self.delay.text if self.delay else None
        return {k: v for k, v in found.items() if v is not None}


def duration(text: str, name: str) -> float:
    """Seconds from `800ms`, `1.5s` or a bare number of milliseconds."""
    found = _DURATION.match(text)
    if not found:
        raise SpecError(name, f"{text!r} is not a duration like 800ms or 1.5s")
    value = float(found.group(1)) / (1 if found.group(2) == "s" else 1000)
    if value > MAX_DELAY:
        raise SpecError(name, f"{text!r} is longer than {MAX_DELAY:.0f} s")
    return value


def delay(text: str, name: str = "latency") -> Delay:
    text = text.strip()
    if "~" in text:
        median, _, sigma = text.partition("~")
        try:
            spread = float(sigma)
        except ValueError:
            raise SpecError(name, f"{text!r}: expected MEDIAN~SIGMA, e.g. 200ms~0.5") from None
        if not 0 <= spread <= 5:
            raise SpecError(name, f"{text!r}: sigma must be 0..5")
        return Delay("lognormal", duration(median, name), spread, text)
    if "-" in text:
        low, _, high = text.partition("-")
        unit = "s" if high.strip().endswith("s") and not high.strip().endswith("ms") else "ms"
        low = low if low.strip()[-1:].isalpha() else low + unit
        lowest, highest = duration(low, name), duration(high, name)
        if highest < lowest:
            raise SpecError(name, f"{text!r}: the lowest delay comes first")
        return Delay("uniform", lowest, highest, text)
    return Delay("fixed", duration(text, name), text=text)


def instant(text: str, name: str) -> float:
    """Emulator time from epoch seconds or ISO 8601 text."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise SpecError(name, f"{text!r} is neither epoch seconds nor ISO 8601") from None


def rate(text: str) -> float:
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise SpecError("rate", f"{text!r}: expected a share like 5% or 0.05") from None
    if not 0 <= value <= 1:
        raise SpecError("rate", f"{text!r}: expected 0..100%")
    return value


def whole(text: str, name: str) -> int:
    found = whole_number(text.strip(), 9)
    if found is None:
        raise SpecError(name, f"{quoted(text)}: expected a whole number of at most 9 digits")
    return found


def parse_rule(text: str, kind: str) -> Rule:
    """One rule of `kind` "latency" or "fault" from its text form."""
    # Options start at a colon followed by `name=` (an ISO time has colons of its own).
    head, *options = _OPTION_START.split(text.strip())
    operation, _, what = head.rpartition("=")
    values: dict[str, Any] = {"operation": operation or None, "text": text.strip()}
    if kind == "latency":
        values["delay"] = delay(what)
    else:
        values["fault"] = what.strip()
    for option in options:
        name, _, value = option.partition("=")
        values.update(_option(name.strip(), value.strip()))
    return checked(values)


def _option(name: str, value: str) -> dict[str, Any]:
    if name == "rate":
        return {"rate": rate(value)}
    if name == "next":
        return {"next": whole(value, "next")}
    if name in ("from", "until"):
        return {"start" if name == "from" else "until": instant(value, name)}
    if name == "retry":
        return {"retry": whole(value, "retry")}
    if name == "for":
        return {"stall": duration(value if value[-1:].isalpha() else value + "s", "for")}
    raise SpecError(name, "expected one of rate, next, from, until, retry, for")


def checked(values: dict[str, Any]) -> Rule:
    """The rule `values` make (the fault still as text), or the first problem with them."""
    operation = values.get("operation")
    if operation is not None and operation not in OPERATIONS:
        raise SpecError(
            "operation",
            f"{operation!r} is not an operation of the route table"
            + did_you_mean(operation, OPERATIONS),
        )
    fault = values.get("fault")
    if fault is not None:
        values = {**values, "fault": fault_of(fault, "fault")}
    if values.get("delay") is None and fault is None:
        raise SpecError("latency", "a rule needs a latency or a fault")
    return Rule(**values)


def fault_of(text: str, name: str, what: str = "") -> Fault:
    """The fault `text` names; SpecError on `name` otherwise."""
    if text not in FAULTS:
        raise SpecError(
            name, f"{what}{text!r}: expected one of {', '.join(FAULTS)}{did_you_mean(text, FAULTS)}"
        )
    return Fault(text)


def parse_list(text: str | None, kind: str) -> list[Rule]:
    """Comma-separated rules (the environment twin and repeated flags)."""
    return [parse_rule(item, kind) for item in (text or "").split(",") if item.strip()]


def rule_from_json(raw: Any, index: int) -> Rule:
    """A rule of `/_mock/chaos`: a text rule (`{"latency": "..."}` or `{"fault": "..."}` with
    options as keys: operation, rate, next, from, until, retry, for)."""
    where = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise SpecError(where, "expected an object")
    known = {"operation", "latency", "fault", "rate", "next", "from", "until", "retry", "for"}
    for name in raw:
        if name not in known:
            raise SpecError(f"{where}.{name}", f"expected one of {', '.join(sorted(known))}")
    values: dict[str, Any] = {"operation": raw.get("operation")}
    if raw.get("latency") is not None:
        values["delay"] = delay(str(raw["latency"]), f"{where}.latency")
    if raw.get("fault") is not None:
        values["fault"] = str(raw["fault"])
    for name in ("rate", "next", "from", "until", "retry", "for"):
        if raw.get(name) is not None:
            values.update(_option(name, str(raw[name])))
    return checked({**values, "text": str(raw)})


def prefer(header: str) -> tuple[Delay | None, Rule | None]:
    """The latency and fault a `Prefer` header asks for: `latency=800ms`, `fault=503; retry=5`,
    `fault=stall; for=2s` (RFC 7240 preferences and their parameters; others are ignored)."""
    found_delay: Delay | None = None
    found_fault: Rule | None = None
    for item in header.split(","):
        head, *parameters = item.split(";")
        name, _, value = head.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"')
        if name == "latency":
            found_delay = delay(value, "Prefer")
        elif name == "fault":
            fault = fault_of(value, "Prefer", "fault ")
            options: dict[str, Any] = {}
            for parameter in parameters:
                key, _, given = parameter.partition("=")
                if key.strip() in ("retry", "for"):
                    options.update(_option(key.strip(), given.strip().strip('"')))
            found_fault = Rule(fault=fault, **options)
    return found_delay, found_fault
