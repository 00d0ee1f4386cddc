"""presence-mock: a local emulator of RingCentral's Presence API.

`create_app()` builds the WSGI app; `Emulator` is the transport-neutral core behind it;
`PresenceMock` runs that core in process through `responses`. Names load on first use, so that
`mockserver.schemas` (used by the contract-test kit against real servers) imports no server.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .config import Settings
    from .emulator import Emulator
    from .inprocess import PresenceMock

__all__ = ["Emulator", "PresenceMock", "Settings", "create_app"]

_HOMES = {
    "create_app": ".app",
    "Settings": ".config",
    "Emulator": ".emulator",
    "PresenceMock": ".inprocess",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
