"""Shared fixtures: one emulator per session (responses schema-checked), reset per test."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from mockserver.config import Settings
from mockserver.directory.model import Directory, Extension
from mockserver.emulator import Emulator
from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from mockserver.web.app import create_app

# network_guard: no process of the run may look up a name or connect off this machine; pytester:
# the contract kit is tested by running it (test_contract_kit.py); redis_server: its skips for
# want of a redis-server are reported as one line.
pytest_plugins = ["tests.network_guard", "pytester", "tests.redis_server"]


@pytest.fixture(scope="session")
def emulator() -> Emulator:
    return Emulator.from_settings(Settings(validate_responses=True))


@pytest.fixture
def directory(emulator: Emulator) -> Directory:
    return emulator.directory


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    emulator.reset()
    emulator.clock.reset()
    app = create_app(emulator=emulator)
    app.testing = True
    yield app.test_client()
    emulator.reset()


def basic_auth(directory: Directory) -> str:
    app = directory.apps[0]
    return "Basic " + base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()


def assert_error(answer: TestResponse, status: int, code: str, **fields: str) -> dict[str, Any]:
    """The platform's error body (Part A.1) of `answer`: its status, its code at both levels,
    and the given fields of its first item."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    body: dict[str, Any] = answer.get_json()
    assert body["errorCode"] == code
    assert body["errors"][0]["errorCode"] == code
    for key, value in fields.items():
        assert body["errors"][0][key] == value
    return body


def find(directory: Directory, test: Callable[[Extension], bool], account: int = 0) -> Extension:
    """The first extension of an account that passes `test`."""
    return next(e for e in directory.accounts[account].extensions if test(e))


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


def login(client: Client, directory: Directory, owner: Extension) -> Api:
    answer = client.post(
        "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": credential_jwt(owner)},
        headers={"Authorization": basic_auth(directory)},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return Api(client, answer.get_json()["access_token"], owner)


@pytest.fixture
def admin(client: Client, directory: Directory) -> Api:
    return login(client, directory, directory.accounts[0].administrator)


@pytest.fixture
def user(client: Client, directory: Directory) -> Api:
    """A standard user of the first account who can see others."""
    owner = find(directory, lambda e: e.type.is_user and not e.admin)
    return login(client, directory, owner)


@pytest.fixture
def outsider(client: Client, directory: Directory) -> Api:
    """The administrator of the second account."""
    return login(client, directory, directory.accounts[1].administrator)
