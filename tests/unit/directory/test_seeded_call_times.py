"""The seed's calls started shortly before the emulator first served its store, on the emulator's
clock, not on the seed's reference day (decision CALL-81); every process sharing a store reads
the same times, a reset keeps them, and a fixture's times are its own."""

from __future__ import annotations

import calendar
import time
from datetime import datetime

import requests

from mockserver.config import Settings
from mockserver.directory.builder import DEFAULT_SEED, REFERENCE_INSTANT, build_directory
from mockserver.directory.fixtures import load_fixture
from mockserver.emulator import Emulator
from mockserver.inprocess import PresenceMock
from mockserver.platform.clock import Clock
from mockserver.storage import store_from_url
from tests.support.paths import REPO

API = "https://platform.ringcentral.com/restapi"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# The longest a seeded call has been going on when the office is drawn (a connected call).
OLDEST = 1500


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _starts(emulator: Emulator) -> list[float]:
    return [
        calendar.timegm(time.strptime(call["startTime"], "%Y-%m-%dT%H:%M:%S.%fZ"))
        for account in emulator.directory.accounts
        for ext in account.extensions
        for call in ext.active_calls
    ]


def test_seeded_calls_started_minutes_before_the_emulator_did() -> None:
    with PresenceMock() as mock:
        now = mock.emulator.clock.now()
        starts = _starts(mock.emulator)
        assert starts and all(now - OLDEST - 1 <= s <= now for s in starts)
        # What a client reads is the same: the seed's reference day is gone.
        c = mock.credentials
        token = requests.post(
            f"{API}/oauth/token",
            data={"grant_type": JWT_GRANT, "assertion": c["jwt"]},
            auth=(c["clientId"], c["clientSecret"]),
        ).json()["access_token"]
        page = requests.get(
            f"{API}/v1.0/account/~/presence?detailedTelephonyState=true&perPage=100",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        read = [c["startTime"] for r in page["records"] for c in r.get("activeCalls", [])]
        assert read and all(stamp >= _stamp(now - OLDEST - 1) for stamp in read)
    reference = build_directory(DEFAULT_SEED, 60)  # as drawn, for the files and tests
    drawn = [c["startTime"] for e in reference.accounts[0].extensions for c in e.active_calls]
    assert all(stamp.startswith(REFERENCE_INSTANT.strftime("%Y-%m-%d")) for stamp in drawn)


def test_every_process_of_a_store_reads_the_same_times_and_a_reset_keeps_them() -> None:
    store = store_from_url("memory://")
    directory = build_directory(DEFAULT_SEED, 60)
    first = Emulator.build(Settings(), directory, store)
    first.clock.advance(600)  # a worker that starts ten minutes later (on the emulator's clock)
    later = Emulator.build(Settings(), directory, store)
    assert _starts(first) == _starts(later)
    first.reset()
    assert _starts(Emulator.build(Settings(), directory, store)) == _starts(first)


def test_the_clock_places_them() -> None:
    """A store whose clock was moved before the emulator first served it: the calls follow the
    emulator's time, not the machine's."""
    store = store_from_url("memory://")
    Clock(store).advance(86400 * 3)
    emulator = Emulator.build(Settings(), build_directory(DEFAULT_SEED, 60), store)
    assert min(_starts(emulator)) > time.time() + 86400 * 3 - OLDEST - 60


def test_a_fixtures_calls_keep_their_times() -> None:
    fixture = load_fixture(REPO / "fixtures" / "default-account.json")
    emulator = Emulator.build(Settings(), fixture, store_from_url("memory://"))
    starts = _starts(emulator)
    reference = datetime.timestamp(REFERENCE_INSTANT)
    assert starts and all(reference - OLDEST - 1 <= s <= reference for s in starts)
