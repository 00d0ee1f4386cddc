"""The chaos service: which latency and fault a request gets, the same for every worker.

Rules come from start-up (settings) and from run time (`/_mock/chaos`, kept in the store, so
every worker and replica sharing it applies them). The hot path with no rules is one check:
`armed()` looks at this process's copy of the rules, re-read from the store at most every
REFRESH seconds where other processes share it (a write through `/_mock/chaos` answers only
after that, so every worker has the new rules by then).

Replayable: the n-th request a rule matches is counted in the store (atomically, across
workers) and its draws come from a generator seeded with (seed, rule, n), so the same seed and
the same sequence of requests give the same faults and delays on every run (docs/chaos.md).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.chaos.specs import (
    DEFAULT_STALL,
    TRANSPORTS,
    Fault,
    Rule,
    SpecError,
    parse_list,
    prefer,
    rule_from_json,
)
from mockserver.config import ConfigError, Settings
from mockserver.platform.clock import Clock
from mockserver.storage import Counters, Records

STORE_KEY = ("chaos", "rules")
COUNTS = "chaos-count"  # store.increment namespace: matches per rule and epoch
COUNT_WINDOW = 10 * 365 * 24 * 3600.0  # counts never restart by themselves
REFRESH = 0.1  # seconds a worker may keep its copy of the run-time rules


@dataclass(frozen=True, slots=True)
class Plan:
    """What one request gets: a delay before it is served, and a fault (or none)."""

    delay: float = 0.0
    fault: Fault | None = None
    retry: int | None = None  # Retry-After of a 503 or 429, when the rule names one
    stall: float = DEFAULT_STALL


@dataclass(frozen=True, slots=True)
class _Rules:
    epoch: str
    seed: int
    rules: tuple[tuple[str, Rule], ...]  # (the rule's key in the counts, the rule)
    runtime: tuple[dict[str, Any], ...]


class ChaosStore(Records, Counters, Protocol):
    """What chaos uses of the store: the run-time rules (a record) and per-rule counts."""


class Chaos:
    def __init__(
        self,
        store: ChaosStore,
        clock: Clock,
        startup: list[Rule],
        seed: int,
        shared: bool,
    ) -> None:
        self.store = store
        self.clock = clock
        self.startup = tuple(startup)
        self.default_seed = seed
        self.shared = shared  # other processes read the same store
        self._copy = self._compose(None)
        self._fresh_until = 0.0
        self._prefer_draws = random.Random(seed)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, store: ChaosStore, clock: Clock) -> Chaos:
        try:
            startup = parse_list(settings.latency, "latency") + parse_list(settings.fault, "fault")
        except SpecError as error:  # at start-up: a one-line refusal naming the flag, exit 2
            raise ConfigError(f"--latency / --fault: {error.message}") from None
        seed = settings.chaos_seed if settings.chaos_seed is not None else settings.seed
        shared = not settings.store.startswith("memory:")
        return cls(store, clock, startup, seed, shared)

    # -- the hot path -----------------------------------------------------------------------
    def armed(self) -> bool:
        """Are there rules? (A monotonic clock read and a comparison while the copy is fresh.)"""
        if time.monotonic() >= self._fresh_until:
            self._refresh()
        return bool(self._copy.rules)

    def transport_plan(self, operation: str) -> Plan | None:
        """What one WebHook delivery (`webhookDelivery`) or one WebSocket notification
        (`webSocketSession`) gets of the rules naming it (docs/chaos.md); None when no rule."""
        return self.plan(operation, None) if self.armed() else None

    def plan(self, operation: str, prefer_header: str | None) -> Plan | None:
        """The delay and fault for a request of `operation`; None: serve it as usual."""
        current = self._copy
        wait: float | None = None
        fault: Rule | None = None
        for key, rule in current.rules:
            if rule.operation != operation and (
                rule.operation is not None or operation in TRANSPORTS
            ):
                continue  # a rule without an operation is for every /restapi one, not transports
            if (wait is not None or rule.delay is None) and (fault is not None or not rule.fault):
                continue  # nothing this rule could still add
            if (rule.start is not None or rule.until is not None) and not _within(
                rule, self.clock.now()
            ):
                continue
            n = self.store.increment(COUNTS, f"{current.epoch}:{key}", time.time(), COUNT_WINDOW)
            if rule.next is not None and n.hits > rule.next:
                continue
            draws = random.Random(f"{current.seed}:{key}:{n.hits}")
            if rule.rate < 1 and draws.random() >= rule.rate:
                continue
            if rule.delay is not None and wait is None:
                wait = rule.delay.sample(draws.random(), draws.gauss(0.0, 1.0))
            if rule.fault and fault is None:
                fault = rule
        if prefer_header:
            asked_delay, asked_fault = prefer(prefer_header)
            if asked_delay is not None:
                with self._lock:
                    wait = asked_delay.sample(
                        self._prefer_draws.random(), self._prefer_draws.gauss(0.0, 1.0)
                    )
            if asked_fault is not None:
                fault = asked_fault
        if wait is None and fault is None:
            return None
        if fault is None:
            return Plan(delay=wait or 0.0)
        return Plan(wait or 0.0, fault.fault, fault.retry, fault.stall)

    # -- run-time rules -----------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        self._refresh()
        current = self._copy
        return {
            "seed": current.seed,
            "startup": [rule.text for rule in self.startup],
            "rules": list(current.runtime),
        }

    def set(self, body: Any) -> dict[str, Any]:
        """Replace the run-time rules (and the seed) with `body`'s: {"seed": N, "rules": [...]}.
        Every count restarts. A bad rule is a 400 naming it, and nothing changes."""
        if not isinstance(body, dict):
            raise SpecError("rules", "expected a JSON object with rules and seed")
        for name in body:
            if name not in ("rules", "seed"):
                raise SpecError(name, "expected rules or seed")
        raw = body.get("rules", [])
        if not isinstance(raw, list):
            raise SpecError("rules", "expected a list")
        for index, item in enumerate(raw):
            rule_from_json(item, index)
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise SpecError("seed", "expected a whole number")
        self._write({"epoch": uuid.uuid4().hex, "seed": seed, "rules": raw})
        return self.describe()

    def reset(self) -> None:
        """No run-time rules, every count restarted (POST /_mock/reset); start-up rules stay."""
        had = bool((self.store.get(*STORE_KEY) or {}).get("rules"))
        self._write({"epoch": uuid.uuid4().hex, "seed": None, "rules": []}, wait=had)

    def _write(self, record: dict[str, Any], wait: bool = True) -> None:
        self.store.put(*STORE_KEY, record)
        self._copy = self._compose(record)
        self._fresh_until = time.monotonic() + (REFRESH if self.shared else float("inf"))
        if self.shared and wait:
            time.sleep(REFRESH * 1.5)  # every other worker re-reads within REFRESH

    def _refresh(self) -> None:
        record = self.store.get(*STORE_KEY)
        self._copy = self._compose(record)
        self._fresh_until = time.monotonic() + (REFRESH if self.shared else float("inf"))

    def _compose(self, record: dict[str, Any] | None) -> _Rules:
        record = record or {}
        runtime = tuple(record.get("rules") or ())
        rules = [(f"s{i}", rule) for i, rule in enumerate(self.startup)]
        rules += [(f"r{i}", rule_from_json(raw, i)) for i, raw in enumerate(runtime)]
        seed = record.get("seed")
        return _Rules(
            epoch=str(record.get("epoch", "start")),
            seed=seed if isinstance(seed, int) else self.default_seed,
            rules=tuple(rules),
            runtime=runtime,
        )


def _within(rule: Rule, now: float) -> bool:
    return (rule.start is None or now >= rule.start) and (rule.until is None or now < rule.until)
