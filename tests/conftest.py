"""Shared fixtures: one emulator per session (responses schema-checked), reset per test; the
markers of each folder (unit, e2e, browser). Helpers live in tests/support/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import Client

from mockserver.config import Settings
from mockserver.directory.model import Directory
from mockserver.emulator import Emulator
from mockserver.web.app import create_app
from tests.support.answers import find
from tests.support.login import Api, login

# network_guard: no process of the run may look up a name or connect off this machine; pytester:
# the contract kit is tested by running it (e2e/test_contract_kit.py); redis_server: the
# session's redis-server, and its skips for want of one reported as one line.
pytest_plugins = ["tests.support.network_guard", "pytester", "tests.support.redis_server"]

# The folder says what a test is: in process, against real processes, or in a browser.
TESTS = Path(__file__).parent
# tests/recorded replays the corpus of recorded answers in process: unit tests.
FOLDER_MARKERS = {"unit": "unit", "e2e": "e2e", "browser": "browser", "recorded": "unit"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = item.path.relative_to(TESTS).parts[0]
        except ValueError:  # not one of ours (a test pytester runs)
            continue
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])
        if folder == "browser":  # a browser drives a live server: end to end too
            item.add_marker("e2e")


@pytest.fixture(scope="session")
def emulator() -> Emulator:
    return Emulator.from_settings(Settings(validate_responses=True))


@pytest.fixture
def directory(emulator: Emulator) -> Directory:
    return emulator.directory


@pytest.fixture(scope="session")
def session_app(emulator: Emulator) -> Flask:
    """The app over the session's emulator, built once: its state is the emulator's."""
    app = create_app(emulator=emulator)
    app.testing = True
    return app


@pytest.fixture
def client(emulator: Emulator, session_app: Flask) -> Iterator[Client]:
    """A fresh test client of the session's app, on an emulator reset before and after."""
    emulator.reset()
    emulator.clock.reset()
    yield session_app.test_client()
    emulator.reset()


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
