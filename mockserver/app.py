"""The app factory: the emulator built from settings, behind its WSGI transport."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .config import Settings
from .emulator import Emulator
from .wsgi import EmulatorApp


def create_app(config: Settings | Mapping[str, Any] | None = None) -> EmulatorApp:
    """Build the app from the environment, overridden by `config` (a Settings or a mapping)."""
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env(os.environ).override(**dict(config or {}))
    return app_for(Emulator.from_settings(settings))


def app_for(emulator: Emulator) -> EmulatorApp:
    return EmulatorApp(emulator)
