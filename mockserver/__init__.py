"""presence-mock: a local emulator of RingCentral's Presence API.

`create_app()` builds the Flask app; `Emulator` is the framework-neutral core behind it.
Names are imported on first use, so `python -m mockserver.<module>` and the schema checks do
not pay for (or depend on) Flask.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Emulator", "Settings", "create_app"]

_HOMES = {"Emulator": ".emulator", "Settings": ".config", "create_app": ".app"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
