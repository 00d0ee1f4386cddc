"""Logging in, one way for every test: the JWT grant with an app's Basic credentials, either in
process through the Flask test client or over HTTP against a live server (or the in-process
mock behind `responses`). Tests of the token endpoint itself post their own forms."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from dataclasses import dataclass
from functools import cache
from typing import Any

import requests
from werkzeug.test import Client, TestResponse

from mockserver.directory.model import App, Directory, Extension
from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from tests.support.live_server import COMMAND

# The public app of the authorization-code tests and its PKCE verifier (RFC 7636's example).
PUBLIC_ID = "publicSpaApp0001"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def s256(verifier: str) -> str:
    """The S256 code challenge of `verifier`."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# -- in process: the Flask test client ---------------------------------------------------------


def app_auth(app: App) -> str:
    """The Authorization header of `app`'s client credentials (HTTP Basic)."""
    return "Basic " + base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()


def basic_auth(directory: Directory) -> str:
    """The Authorization header of the directory's first app (the demo app)."""
    return app_auth(directory.apps[0])


@dataclass
class Api:
    """A logged-in caller of the emulator through the Flask test client."""

    client: Client
    token: str
    owner: Extension

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **query: Any) -> TestResponse:
        return self.client.get(path, query_string=query, headers=self.headers())

    def put(self, path: str, body: Any = None, raw: bytes | None = None) -> TestResponse:
        if raw is not None:
            return self.client.put(path, data=raw, headers=self.headers())
        return self.client.put(path, json=body, headers=self.headers())


def bearer_headers(client: Client, app: App, owner: Extension) -> dict[str, str]:
    """The Authorization header of `owner` logged in through `app` (the JWT grant)."""
    answer = client.post(
        "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": credential_jwt(owner)},
        headers={"Authorization": app_auth(app)},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def login(client: Client, directory: Directory, owner: Extension) -> Api:
    """`owner` logged in through the demo app."""
    headers = bearer_headers(client, directory.apps[0], owner)
    return Api(client, headers["Authorization"].removeprefix("Bearer "), owner)


# -- over HTTP: a live server, or the in-process mock behind `responses` ----------------------


@cache
def demo_credentials() -> dict[str, str]:
    """`presence-mock credentials --json`: the demo app and administrator's JWT."""
    return dict(json.loads(subprocess.check_output([COMMAND, "credentials", "--json"])))


def grant(base: str, credentials: dict[str, str], form: dict[str, str]) -> requests.Response:
    """POST /restapi/oauth/token at `base` as the app of `credentials` with `form`."""
    return requests.post(
        f"{base}/restapi/oauth/token",
        auth=(credentials["clientId"], credentials["clientSecret"]),
        data=form,
        timeout=10,
    )


def jwt_token(base: str, credentials: dict[str, str] | None = None) -> str:
    """An access token for the JWT of `credentials` (the demo ones by default)."""
    credentials = credentials or demo_credentials()
    answer = grant(base, credentials, {"grant_type": JWT_GRANT, "assertion": credentials["jwt"]})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def login_headers(base: str, credentials: dict[str, str] | None = None) -> dict[str, str]:
    """The Authorization header of `jwt_token`."""
    return {"Authorization": f"Bearer {jwt_token(base, credentials)}"}


def login_session(base: str, credentials: dict[str, str] | None = None) -> requests.Session:
    """A requests session carrying the Authorization header of `jwt_token`."""
    session = requests.Session()
    session.headers.update(login_headers(base, credentials))
    return session


def sdk_platform(base: str, credentials: dict[str, str] | None = None) -> Any:
    """The official Python SDK's platform, logged in with the JWT of `credentials`."""
    from ringcentral import SDK  # type: ignore[import-untyped]

    credentials = credentials or demo_credentials()
    platform = SDK(credentials["clientId"], credentials["clientSecret"], base).platform()
    platform.login(jwt=credentials["jwt"])
    return platform
