"""The emulator in process, behind `responses`: `PresenceMock` and the `presence_mock` fixture.

`PresenceMock` loads on first use: pytest imports the fixture's module at every start, and that
must not import the emulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.inprocess.mock import PresenceMock

__all__ = ["PresenceMock"]


def __getattr__(name: str) -> Any:
    if name == "PresenceMock":
        from mockserver.inprocess.mock import PresenceMock

        return PresenceMock
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
