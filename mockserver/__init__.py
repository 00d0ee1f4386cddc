"""presence-mock: a local emulator of RingCentral's Presence API, as a Flask application.

`create_app()` builds the Flask app and starts nothing; `app` is the one `flask --app mockserver
run` serves (Flask's CLI looks for `app` first): built on first use, it starts the background
services (WebHooks, office-day) on its first request (runtime/devserver.py). `Emulator` holds
the services behind the app; `PresenceMock` runs the same app in process through `responses`.
Names load on first use, so that `mockserver.schemas` (used by the contract-test kit against
real servers) imports no server.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from mockserver.version import __version__

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.config import Settings
    from mockserver.emulator import Emulator
    from mockserver.inprocess import PresenceMock
    from mockserver.web.app import create_app

    app: Flask

__all__ = ["Emulator", "PresenceMock", "Settings", "__version__", "create_app"]

_HOMES = {
    "create_app": "mockserver.web.app",
    "Settings": "mockserver.config",
    "Emulator": "mockserver.emulator",
    "PresenceMock": "mockserver.inprocess",
}


def __getattr__(name: str) -> Any:
    if name == "app":
        return import_module("mockserver.runtime.devserver").served_app()
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
