"""`/_mock/clock`: offset, advance, freeze and unfreeze, shared through the store; bounded input
(`{"advance": 1e308}` twice must not break later logins); reset returns real time on
every store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.platform.clock import MAX_SHIFT, Clock
from mockserver.storage import store_from_url
from mockserver.web.app import create_app
from tests.support.login import bearer_headers
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name
from tests.support.stores import store_url_of


def test_offset_sets_the_distance_from_real_time(client, emulator):
    answer = client.post("/_mock/clock", json={"offset": 7200})
    assert answer.status_code == 200
    assert answer.get_json()["offset"] == 7200
    assert abs(emulator.clock.now() - (time.time() + 7200)) < 1
    # Setting a smaller offset moves time back: asked for in so many words.
    assert client.post("/_mock/clock", json={"offset": 0}).get_json()["offset"] == 0


def test_a_frozen_clock_stands_still_and_unfreezes_where_it_stood(client, emulator):
    frozen = client.post("/_mock/clock", json={"freeze": True}).get_json()
    assert frozen["frozen"] is True
    time.sleep(0.05)
    assert emulator.clock.now() == frozen["now"]
    # advancing a frozen clock moves the instant it stands at, and it stays frozen
    moved = client.post("/_mock/clock", json={"advance": 60}).get_json()
    assert moved["now"] == frozen["now"] + 60 and moved["frozen"] is True
    thawed = client.post("/_mock/clock", json={"freeze": False}).get_json()
    assert thawed["frozen"] is False
    assert frozen["now"] + 60 <= emulator.clock.now() < frozen["now"] + 61


def test_several_changes_apply_in_one_step(client, emulator):
    answer = client.post("/_mock/clock", json={"offset": 100, "advance": 20, "freeze": True})
    body = answer.get_json()
    assert body["frozen"] is True
    assert abs(body["now"] - (time.time() + 120)) < 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"advance": 1e308}, "advance"),
        ({"advance": MAX_SHIFT + 1}, "advance"),
        ({"offset": -1e308}, "offset"),
        ({"offset": "10"}, "offset"),
        ({"freeze": "yes"}, "freeze"),
        ({"rewind": 5}, "rewind"),
        ({"offset": 10, "advance": 1e308}, "advance"),
    ],
)
def test_out_of_range_or_ill_typed_moves_are_a_400_and_change_nothing(client, body, field):
    before = client.get("/_mock/clock").get_json()["offset"]
    answer = client.post("/_mock/clock", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["parameterName"] == field
    assert client.get("/_mock/clock").get_json()["offset"] == before


def test_the_range_is_said_in_the_message(client):
    message = client.post("/_mock/clock", json={"advance": 1e308}).get_json()["message"]
    assert "10 years" in message


def test_non_finite_numbers_are_refused(client):
    for raw in (b'{"advance": NaN}', b'{"advance": Infinity}', b'{"offset": -Infinity}'):
        answer = client.post("/_mock/clock", data=raw, content_type="application/json")
        assert answer.status_code == 400, raw


def test_the_largest_advance_twice_still_lets_everyone_log_in(tmp_path: Path) -> None:
    # `{"advance": 1e308}` twice once made every later login a 500 on SQLite.
    settings = Settings(store=f"sqlite://{tmp_path / 'clock.db'}", validate_responses=True)
    app = create_app(settings)
    client = app.test_client()
    for _ in range(2):
        assert client.post("/_mock/clock", json={"advance": 1e308}).status_code == 400
    assert client.post("/_mock/clock", json={"advance": MAX_SHIFT}).status_code == 200
    assert client.post("/_mock/clock", json={"advance": MAX_SHIFT}).status_code == 400
    emulator = app.extensions["presence_mock"]
    directory = emulator.directory
    bearer_headers(client, directory.apps[0], directory.accounts[0].administrator)  # a 200


def test_an_impossible_stored_offset_reads_as_real_time(tmp_path: Path) -> None:
    # A file store written by a build before the bounds may hold one.
    store = store_from_url(f"sqlite://{tmp_path / 'old.db'}")
    store.put("clock", "offset", {"seconds": 1e308})
    assert abs(Clock(store).now() - time.time()) < 1


@pytest.mark.parametrize("kind", ["memory", "sqlite", "redis"])
def test_reset_returns_real_time_on_every_store(kind, request, tmp_path: Path) -> None:
    url = store_url_of(kind, request, tmp_path)
    emulator = Emulator.from_settings(Settings(store=url))
    emulator.clock.change(offset=86400, freeze=True)
    assert emulator.clock.frozen
    emulator.reset()
    assert emulator.clock.offset == 0
    assert not emulator.clock.frozen
    assert abs(emulator.clock.now() - time.time()) < 1


def test_a_frozen_clock_stands_still_for_every_process_sharing_the_store(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'shared.db'}"
    one, other = Clock(store_from_url(url)), Clock(store_from_url(url))
    one.freeze()
    time.sleep(0.05)
    assert other.frozen and other.now() == one.now()
    other.unfreeze()
    assert not one.frozen
