"""Fixture files that add apps to the default accounts: apps with chosen permissions (and an
emulator over them), or the public app of the authorization-code tests and its authorize
request."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from werkzeug.test import Client

from mockserver.config import Settings
from mockserver.directory.builder import build_directory
from mockserver.directory.fixtures import directory_to_dict
from mockserver.emulator import Emulator
from mockserver.web.app import create_app
from tests.support.login import PUBLIC_ID, VERIFIER, s256


@cache
def default_fixture() -> str:
    """The default directory as fixture JSON."""
    return json.dumps(directory_to_dict(build_directory()))


def emulator_with_apps(
    tmp_path: Path, permissions: list[list[str]], **settings: object
) -> tuple[Emulator, Client]:
    """The default accounts with the demo app first and one more app per permission list."""
    data = json.loads(default_fixture())
    for index, granted in enumerate(permissions):
        data["apps"].append(
            {
                "clientId": f"otherApp{index}",
                "clientSecret": f"secret{index}",
                "name": f"other app {index}",
                "permissions": granted,
            }
        )
    path = tmp_path / "apps.json"
    path.write_text(json.dumps(data))
    emulator = Emulator.from_settings(
        Settings(fixture=str(path), validate_responses=True, **settings)  # type: ignore[arg-type]
    )
    app = create_app(emulator=emulator)
    app.testing = True
    return emulator, app.test_client()


def fixture_with_public_app(folder: Path) -> Path:
    """A fixture file in `folder`: the default accounts and apps, and the public app PUBLIC_ID."""
    data = directory_to_dict(build_directory())
    data["apps"].append(
        {"clientId": PUBLIC_ID, "clientSecret": "unused", "name": "spa", "public": True}
    )
    path = folder / "public.json"
    path.write_text(json.dumps(data))
    return path


AUTHORIZE = "/restapi/oauth/authorize"
TOKEN = "/restapi/oauth/token"
CALLBACK = "http://127.0.0.1:9/callback"  # nothing listens there: the browser never follows it
SECRET = "login-form-test-secret-0123456789"  # the credentials secret of the random-credential runs


def authorize_query(**extra: str) -> dict[str, str]:
    """The public app's authorization request with PKCE (S256), `extra` added or replacing."""
    return {
        "response_type": "code",
        "client_id": PUBLIC_ID,
        "redirect_uri": CALLBACK,
        "state": "s1",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }
