"""Emulator controls under /_mock/ (never part of the RingCentral surface)."""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING

from .errors import InvalidParameter, JsonParseError
from .http import Reply, Request
from .routes import Route

if TYPE_CHECKING:
    from .emulator import Emulator


class AdminRoutes:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def table(self) -> list[Route]:
        return [
            Route(re.compile(r"/_mock/health"), {"GET": self.health}),
            Route(re.compile(r"/_mock/reset"), {"POST": self.reset}),
            Route(re.compile(r"/_mock/requests"), {"GET": self.requests}),
            Route(re.compile(r"/_mock/violations"), {"GET": self.violations}),
            Route(re.compile(r"/_mock/clock"), {"GET": self.clock, "POST": self.advance}),
        ]

    def health(self, _request: Request, _params: dict[str, str]) -> Reply:
        directory = self.emulator.directory
        body = {
            "status": "ok",
            "accounts": len(directory.accounts),
            "extensions": sum(len(a.extensions) for a in directory.accounts),
        }
        return Reply(200, body)

    def reset(self, _request: Request, _params: dict[str, str]) -> Reply:
        self.emulator.reset()
        return Reply(200, {"status": "reset"})

    def requests(self, _request: Request, _params: dict[str, str]) -> Reply:
        """Every /restapi request since the last reset, oldest first, with its verdict."""
        return Reply(200, self.emulator.journal.entries())

    def violations(self, _request: Request, _params: dict[str, str]) -> Reply:
        """Only the requests that break the request rules."""
        return Reply(200, self.emulator.journal.violations())

    def clock(self, _request: Request, _params: dict[str, str]) -> Reply:
        clock = self.emulator.clock
        return Reply(200, {"offset": clock.offset, "now": clock.now()})

    def advance(self, request: Request, params: dict[str, str]) -> Reply:
        """Move the emulator's clock (every worker's: it lives in the store) forward by
        `{"advance": seconds}`, so tokens, codes and rate-limit windows expire without sleeping.
        Time never goes back: that would revive expired tokens (docs/decisions.md)."""
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise JsonParseError() from None
        seconds = body.get("advance") if isinstance(body, dict) else None
        if (
            not isinstance(seconds, int | float)
            or isinstance(seconds, bool)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise InvalidParameter("advance")
        self.emulator.clock.advance(seconds)
        return self.clock(request, params)
