"""Stay inside the platform's rate limits: per-group sliding windows, and Retry-After on 429.

Limits per user+app (docs/contract.md#rate-limits, from the developer guide's rate-limits page):
Light 50, Medium 40, Heavy 10, Auth 5 requests per 60 s. Groups per operation come from the
spec's `x-throttling-group`.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW = 60.0
LIMITS = {"light": 50, "medium": 40, "heavy": 10, "auth": 5}
_ACCOUNT = re.compile(r"/restapi/v1\.0/account/[^/]+/presence")
_A = r"/restapi/v1\.0/account/[^/]+"
# GET groups of the other operations the kit calls (the spec's x-throttling-group); a PUT or
# PATCH is Medium everywhere the kit writes.
_GET_GROUPS = (
    (re.compile(_A + r"/extension/[^/]+/active-calls"), "heavy"),
    (re.compile(_A + r"/extension/[^/]+/unified-presence"), "medium"),
    (re.compile(_A + r"/extension"), "medium"),
)


def group_of(method: str, path: str) -> str:
    if path.startswith("/restapi/oauth/"):
        return "auth"
    if _ACCOUNT.fullmatch(path):
        return "heavy"
    if method.upper() in ("PUT", "PATCH"):
        return "medium"
    for pattern, group in _GET_GROUPS:
        if pattern.fullmatch(path):
            return group
    return "light"


@dataclass
class Pacer:
    """Waits before a request that would exceed its group's limit; off means never waits."""

    enabled: bool
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _sent: dict[str, deque[float]] = field(default_factory=dict)

    def before(self, group: str) -> None:
        if not self.enabled:
            return
        sent = self._sent.setdefault(group, deque())
        now = self.clock()
        while sent and now - sent[0] >= WINDOW:
            sent.popleft()
        if len(sent) >= LIMITS.get(group, LIMITS["heavy"]):
            self.sleep(WINDOW - (now - sent[0]))
            sent.popleft()
        sent.append(self.clock())

    def retry_after(self, header: str | None) -> float:
        """Seconds to wait after a 429: Retry-After when it is a number, else one window."""
        try:
            return max(0.0, float(header)) if header is not None else WINDOW
        except ValueError:
            return WINDOW
