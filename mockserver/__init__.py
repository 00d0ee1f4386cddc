"""presence-mock: a local emulator of RingCentral's Presence API.

`create_app()` builds the Flask app; `Emulator` is the framework-neutral core behind it.
"""

from .app import create_app
from .config import Settings
from .emulator import Emulator

__all__ = ["Emulator", "Settings", "create_app"]
