"""The Flask transport: every request goes to the neutral `Emulator.handle`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from flask import request as flask_request

from .config import Settings
from .emulator import Emulator
from .http import Request

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, overridden by `config` (a Settings or a mapping)."""
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env(os.environ).override(**dict(config or {}))
    emulator = Emulator.from_settings(settings)
    return app_for(emulator)


def app_for(emulator: Emulator) -> Flask:
    app = Flask("presence_mock")
    app.extensions["presence_mock"] = emulator

    @app.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
    @app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
    def dispatch(path: str) -> Response:
        answer = emulator.handle(_neutral())
        return Response(answer.body, status=answer.status, headers=answer.headers)

    return app


def _neutral() -> Request:
    return Request.build(
        method=flask_request.method,
        path=flask_request.path,
        query_string=flask_request.query_string.decode("latin-1"),
        headers=dict(flask_request.headers),
        body=flask_request.get_data(),
        base_url=flask_request.host_url,
    )
