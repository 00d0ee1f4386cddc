"""Where background work runs: `create_app` starts nothing; the background services (WebHook
deliverer, office-day player, call timer) start from one place, as threads that stop when
asked, or on the first request of the app `flask --app mockserver` loads."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import flask.cli

import mockserver
from mockserver.runtime import background
from mockserver.runtime.devserver import RUNNING, with_background
from mockserver.web.app import create_app
from mockserver.web.context import emulator_of

SERVICES = {"presence-webhooks", "presence-activity", "presence-call-timer"}
FLASK = str(Path(sys.executable).parent / "flask")


def _running() -> set[str]:
    return {thread.name for thread in threading.enumerate()} & SERVICES


def test_create_app_starts_nothing_even_when_it_serves() -> None:
    before = threading.enumerate()
    app = create_app()
    assert app.test_client().get("/_mock/health").status_code == 200
    assert [t for t in threading.enumerate() if t not in before] == []
    assert RUNNING not in app.extensions


def test_the_services_start_as_threads_and_stop_when_asked() -> None:
    emulator = emulator_of(create_app({"activity": "office-day"}))
    running = background.start(emulator, owner="test-owner")
    try:
        assert {t.name for t in running.threads} == SERVICES
        assert all(t.is_alive() for t in running.threads)
        # `--activity NAME` asks for the day as the services start
        assert emulator.telephony.activity()["name"] == "office-day"  # type: ignore[index]
    finally:
        running.stop()
    assert not any(t.is_alive() for t in running.threads)


def test_the_app_with_background_starts_them_once_on_its_first_request() -> None:
    app = with_background(create_app())
    assert RUNNING not in app.extensions  # built, not started: `flask routes` serves nothing
    client = app.test_client()
    try:
        client.get("/_mock/health")
        running = app.extensions[RUNNING]
        client.get("/_mock/health")
        assert app.extensions[RUNNING] is running  # once a process
        assert {t.name for t in running.threads} == SERVICES
    finally:
        app.extensions[RUNNING].stop()


def test_flask_cli_loads_the_app_with_background() -> None:
    # Flask's CLI looks for `app` in the module before it calls a factory.
    found = flask.cli.find_best_app(mockserver)
    assert found is mockserver.app
    assert found.before_request_funcs[None][-1].__name__ == "start_background"
