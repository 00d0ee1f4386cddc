"""The request log a person reads: a request that breaks the request rules says which rule in
words, not only `violation`; the presence board's own reads (its files, rows and polls)
are logged at debug, so the info log shows what clients did, while opening the board and what
a person does on it (a write) stay at info."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.web.app import create_app
from mockserver.web.context import emulator_of
from tests.support.login import login

API = "/restapi/v1.0/account/~"


@pytest.fixture
def client() -> FlaskClient:
    emulator = Emulator.from_settings(Settings())
    app = create_app(emulator=emulator)
    app.testing = True
    return app.test_client()


def _lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def test_a_violation_line_names_the_rule_broken(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    directory = emulator_of(client.application).directory
    api = login(client, directory, directory.accounts[0].administrator)
    caplog.set_level(logging.INFO, logger="presence_mock")
    client.get(f"{API}/presence", query_string={"page": "0"}, headers=api.headers())
    [line] = [m for m in _lines(caplog, logging.INFO) if "/presence?page=0" in m]
    # The line of the example: `violation CMN-101`, and now the rule in words.
    assert " 400 " in line and " violation CMN-101 " in line
    assert "(page must be a positive whole number (int32))" in line, line
    [record] = [r for r in caplog.records if "/presence?page=0" in r.getMessage()]
    assert record.fields["rules"] == "page must be a positive whole number (int32)"  # type: ignore[attr-defined]


def test_an_ok_line_names_no_rule(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="presence_mock")
    client.get(f"{API}/presence")
    [line] = [m for m in _lines(caplog, logging.INFO) if f"{API}/presence" in m]
    assert line.endswith(" ok AGW-402"), line


@pytest.mark.parametrize(
    ("path", "referer"),
    [
        ("/_mock/board/static/board.js", "http://localhost/_mock/board"),
        ("/_mock/board/extensions?perPage=5", "http://localhost/"),
        ("/_mock/board/setup", "http://localhost/"),
        ("/_mock/events", "http://localhost/"),  # the page's poll of the delivered events
        ("/_mock/event-log?after=0", "http://localhost/_mock/board/"),
    ],
)
def test_the_boards_own_reads_are_logged_at_debug(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, path: str, referer: str | None
) -> None:
    caplog.set_level(logging.DEBUG, logger="presence_mock")
    headers = {"Referer": referer} if referer else {}
    assert client.get(path, headers=headers).status_code == 200
    bare = path.split("?")[0]
    assert not [m for m in _lines(caplog, logging.INFO) if f"GET {bare}" in m]
    assert [m for m in _lines(caplog, logging.DEBUG) if f"GET {bare}" in m]


def test_a_clients_own_read_and_a_write_from_the_board_stay_at_info(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="presence_mock")
    client.get("/")  # a person opens the board
    client.get("/_mock/events")  # curl, a test: no board page behind it
    client.get("/_mock/events", headers={"Referer": "http://elsewhere.test/"})
    client.post("/_mock/reset", headers={"Referer": "http://localhost/"})  # a button on the board
    info = _lines(caplog, logging.INFO)
    assert len([m for m in info if "GET /_mock/events" in m]) == 2
    assert [m for m in info if "POST /_mock/reset" in m]
    assert [m for m in info if "GET / 302" in m]
