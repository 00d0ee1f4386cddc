"""The app factory: `create_app()` gives the emulator as a Flask application.

Settings come, in the style of Flask's tutorial factory, from the defaults, then the
`PRESENCE_MOCK_*` environment variables, then `test_config` (a mapping or a Settings). The
emulator's services live on `app.extensions["presence_mock"]`. A user can register blueprints of
their own beside the emulator's. The factory builds and starts nothing: where the background
services (WebHooks, office-day) run is the runtime's choice (mockserver/runtime/).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from mockserver.config import ConfigError, Settings
from mockserver.emulator import Emulator
from mockserver.scaleout import is_shared, shared
from mockserver.web import (
    access,
    api,
    board,
    calls_api,
    chaos_api,
    controls,
    explain_api,
    hooks,
    oauth,
    snapshot_api,
)
from mockserver.web.context import EXTENSION
from mockserver.web.flask_app import EmulatorFlask
from mockserver.web.limits import MAX_BODY_BYTES
from mockserver.web.routing import drop_automatic_head


def settings_of(test_config: Settings | Mapping[str, Any] | None) -> Settings:
    if isinstance(test_config, Settings):
        return test_config
    return Settings.from_env(os.environ).override(**dict(test_config or {}))


def create_app(
    test_config: Settings | Mapping[str, Any] | None = None, *, emulator: Emulator | None = None
) -> Flask:
    """The emulator of `test_config`'s settings, or the `emulator` given (already built)."""
    if emulator is None:
        settings = settings_of(test_config)
        _check_credentials(settings)
        if is_shared(settings.store):
            emulator = shared(settings)
        else:
            emulator = Emulator.from_settings(settings)
    controls.check_settings(emulator.settings)
    app = EmulatorFlask("mockserver", static_folder=None)
    # The platform answers //restapi//v1.0 with 404, not with a redirect to the merged path.
    app.url_map.merge_slashes = False
    app.extensions[EXTENSION] = emulator
    # Larger bodies are refused with 413 in the platform's shape (hooks.http_error).
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    hooks.install(app)
    access.install(app)
    for blueprint in (
        api.blueprint,
        oauth.blueprint,
        controls.blueprint,
        chaos_api.blueprint,
        explain_api.blueprint,
        snapshot_api.blueprint,
        calls_api.blueprint,
        board.blueprint,
        board.root,
    ):
        app.register_blueprint(blueprint)
    drop_automatic_head(app)
    return app


def _check_credentials(settings: Settings) -> None:
    """A store other processes open means other apps built from the same settings: a secret each
    made up for itself would give every process different credentials."""
    made_up = settings.random_credentials and settings.credentials_secret is None
    if made_up and is_shared(settings.store):
        raise ConfigError(
            "--random-credentials with a shared store needs --credentials-secret "
            "(PRESENCE_MOCK_CREDENTIALS_SECRET), the same in every process"
        )
