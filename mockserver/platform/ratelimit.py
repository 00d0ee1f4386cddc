"""Rate limits per (user, app, group), as the platform counts them
(docs/contract.md#rate-limits).

Why not the `limits` library: its strategies read `time.time()` themselves and take no clock, and
the emulator's limits must follow `Emulator.clock`, which tests and `POST /_mock/clock` move
instead of sleeping. So this is a small window counter kept in the Store (shared by workers):

* a window opens at a key's first request and lasts `window` seconds; its count is kept in
  the store's `ratelimit` namespace;
* in `enforce` mode a request over the limit opens a penalty of 60 s (RATE-4), and every
  request during the penalty is refused and restarts it.

Every store counts atomically with `Counters.increment`, in one round trip.

In `headers` mode a key whose window is spent (count at the limit) reads Remaining 0 until the
window ends, whatever more it sends; so once a process has seen that, it answers from memory
until the window's end instead of writing to the store on every request. The answers are the
same; a client hammering the emulator (a load test, the benchmark) stops costing a write each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mockserver.config import ConfigError, Settings
from mockserver.errors import RateLimited
from mockserver.inputs import whole_number
from mockserver.platform.clock import Clock
from mockserver.platform.janitor import Janitor
from mockserver.storage import Counters, Records

NAMESPACE = "ratelimit"
PENALTY = 60  # seconds, restarted by each request during it (RATE-4)
MODES = ("off", "headers", "enforce")
MAX_SPENT = 1024  # spent windows remembered per process before ended ones are dropped


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    window: int  # seconds


# The platform's limits (docs/contract.md#rate-limits); group names in lower case, as
# X-Rate-Limit-Group carries them.
DEFAULT_LIMITS: dict[str, Limit] = {
    "light": Limit(50, 60),
    "medium": Limit(40, 60),
    "heavy": Limit(10, 60),
    "auth": Limit(5, 60),
}


def parse_limits(spec: str | None) -> dict[str, Limit]:
    """The defaults with overrides like `heavy=100/60,light=5` (requests[/window seconds])."""
    found = dict(DEFAULT_LIMITS)
    for item in filter(None, (part.strip() for part in (spec or "").split(","))):
        group, _, value = item.partition("=")
        group = group.strip().lower()
        requests, _, window = value.partition("/")
        count, seconds = whole_number(requests.strip(), 9), whole_number(window or "60", 9)
        if group not in found or count is None or seconds is None:
            raise ConfigError(
                f"rate limit {item!r}: expected GROUP=REQUESTS[/SECONDS] with GROUP one of "
                f"{', '.join(DEFAULT_LIMITS)}, e.g. heavy=100/60"
            )
        limit = Limit(count, seconds)
        if limit.requests < 1 or limit.window < 1:
            raise ConfigError(f"rate limit {item!r}: requests and seconds must be at least 1")
        found[group] = limit
    return found


class WindowStore(Records, Counters, Protocol):
    """What the limiter uses of the store: its windows are counters that read back as records."""


class RateLimiter:
    def __init__(
        self,
        mode: str,
        limits: dict[str, Limit],
        store: WindowStore,
        clock: Clock,
        janitor: Janitor | None = None,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"rate limits {mode!r}: expected one of {', '.join(MODES)}")
        self.mode = mode
        self.limits = limits
        self.store = store
        self.clock = clock
        self.janitor = janitor or Janitor(store)
        # counter -> end of its spent window, in emulator time (`headers` mode only); ended
        # windows are dropped once there are many (a long run must not grow)
        self._spent_until: dict[str, float] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, store: WindowStore, clock: Clock, janitor: Janitor | None = None
    ) -> RateLimiter:
        limits = parse_limits(settings.rate_limit)
        return cls(settings.rate_limits, limits, store, clock, janitor)

    def hit(self, group: str, key: str, now: float | None = None) -> dict[str, str]:
        """Count one request of `key` (user and app) in `group`: the headers for the answer.

        `now` is the emulator's time if the caller has read it already (saves a store read).

        Raises RateLimited (429 CMN-301 with Retry-After) in `enforce` mode when over the limit.
        """
        if self.mode == "off":
            return {}
        limit = self.limits[group]
        if now is None:
            now = self.clock.now()
        self.janitor.tidy(now)
        counter = f"{group}:{key}"
        headers = {
            "X-Rate-Limit-Group": group,
            "X-Rate-Limit-Limit": str(limit.requests),
            "X-Rate-Limit-Window": str(limit.window),
        }
        if self.mode == "enforce" and self._penalized(counter, now):
            self._penalize(counter, now)
            raise RateLimited(headers=_refused(headers))
        if self.mode == "headers" and now < self._spent_until.get(counter, now):
            headers["X-Rate-Limit-Remaining"] = "0"
            return headers
        count, start = self.store.increment(NAMESPACE, counter, now, limit.window)
        headers["X-Rate-Limit-Remaining"] = str(max(0, limit.requests - count))
        if self.mode == "headers" and count >= limit.requests:
            if len(self._spent_until) >= MAX_SPENT:
                self._spent_until = {c: end for c, end in self._spent_until.items() if end > now}
            self._spent_until[counter] = start + limit.window
        if self.mode == "enforce" and count > limit.requests:
            self._penalize(counter, now)
            raise RateLimited(headers=_refused(headers))
        return headers

    def _penalized(self, counter: str, now: float) -> bool:
        found = self.store.get(NAMESPACE, "penalty:" + counter)
        return found is not None and found["until"] > now

    def _penalize(self, counter: str, now: float) -> None:
        self.store.put(NAMESPACE, "penalty:" + counter, {"until": now + PENALTY}, now + PENALTY)


def _refused(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "X-Rate-Limit-Remaining": "0", "Retry-After": str(PENALTY)}
