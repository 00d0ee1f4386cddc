"""Emulator controls under /_mock/ (never part of the RingCentral surface)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

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
