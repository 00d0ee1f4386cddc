"""Presence records are made once and answered again while their inputs are the same; every
change of those inputs (a PUT, a call, a meeting, a reset, another host, another view) reads at
once, and what is kept stays bounded."""

from __future__ import annotations

import pytest

from mockserver.emulator import Emulator
from mockserver.presence import service
from mockserver.telephony.switchboard import Switchboard
from tests.support.calls_helpers import quiet_users
from tests.support.login import Api

API = "/restapi/v1.0/account/~"


def _quiet(directory):  # type: ignore[no-untyped-def]
    """A user a call rings, seen by the others, not an administrator (whose view differs)."""
    ringable = quiet_users(directory.accounts[0])
    return next(e for e in ringable if not e.admin and e.settings.get("allowSeeMyPresence", True))


def _read(admin: Api, ext_id: int, **query: str) -> dict:  # type: ignore[type-arg]
    answer = admin.get(f"{API}/extension/{ext_id}/presence", **query)
    assert answer.status_code == 200, answer.text
    return answer.get_json()  # type: ignore[no-any-return]


def test_a_put_a_call_and_a_meeting_each_read_at_once(
    admin: Api, directory, emulator: Emulator
) -> None:  # type: ignore[no-untyped-def]
    quiet = _quiet(directory)
    before = _read(admin, quiet.id)
    assert _read(admin, quiet.id) == before  # read again: the same
    assert (
        admin.put(f"{API}/extension/{quiet.id}/presence", {"userStatus": "Busy"}).status_code == 200
    )
    assert _read(admin, quiet.id)["presenceStatus"] == "Busy"
    admin.put(f"{API}/extension/{quiet.id}/presence", {"userStatus": "Available"})
    assert _read(admin, quiet.id)["presenceStatus"] == "Available"
    board = Switchboard(emulator.telephony)
    call = board.ring("+15550199999", quiet.id)
    assert _read(admin, quiet.id)["telephonyStatus"] == "Ringing"
    board.answer(call["telephonySessionId"])
    detailed = _read(admin, quiet.id, detailedTelephonyState="true")
    assert detailed["telephonyStatus"] == "CallConnected"
    assert [c["telephonyStatus"] for c in detailed["activeCalls"]] == ["CallConnected"]
    assert "activeCalls" not in _read(admin, quiet.id)  # the simple view, kept apart
    board.end(call["telephonySessionId"])
    assert _read(admin, quiet.id)["telephonyStatus"] == "NoCall"
    board.start_meeting(quiet.id)
    assert _read(admin, quiet.id)["meetingStatus"] == "Connected"
    emulator.reset()
    assert _read(admin, quiet.id) == before


def test_each_host_reads_its_own_links(admin: Api, directory) -> None:  # type: ignore[no-untyped-def]
    quiet = _quiet(directory)
    for host in ("localhost:1", "127.0.0.1:2", "localhost:1"):
        answer = admin.client.get(
            f"{API}/extension/{quiet.id}/presence", headers={**admin.headers(), "Host": host}
        )
        assert answer.get_json()["uri"].startswith(f"http://{host}/"), answer.text


def test_what_is_kept_is_bounded(
    admin: Api, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "RECORDS_KEPT", 5)
    emulator.presence._records.clear()  # the session's emulator: earlier tests' records
    for number in (1, 2, 3):
        assert admin.get(f"{API}/presence", page=str(number), perPage="10").status_code == 200
    assert 0 < len(emulator.presence._records) <= 5


def test_a_page_read_again_shows_every_change_and_each_readers_own_view(
    admin: Api, user: Api, directory, emulator: Emulator
) -> None:  # type: ignore[no-untyped-def]
    def page(reader: Api) -> dict[int, dict]:  # type: ignore[type-arg]
        answer = reader.get(f"{API}/presence", perPage="100")
        assert answer.status_code == 200, answer.text
        return {r["extension"]["id"]: r for r in answer.get_json()["records"]}

    quiet = _quiet(directory)
    first = page(admin)
    assert page(admin) == first
    admin.put(f"{API}/extension/{quiet.id}/presence", {"userStatus": "Busy"})
    assert page(admin)[quiet.id]["presenceStatus"] == "Busy"
    admin.put(f"{API}/extension/{quiet.id}/presence", {"allowSeeMyPresence": False})
    assert page(admin)[quiet.id]["presenceStatus"] == "Busy"  # an administrator sees it
    assert page(user)[quiet.id].get("userStatus") is None  # another user does not
    board = Switchboard(emulator.telephony)
    admin.put(f"{API}/extension/{quiet.id}/presence", {"allowSeeMyPresence": True})
    board.ring("+15550199999", quiet.id)
    assert page(admin)[quiet.id]["telephonyStatus"] == "Ringing"
    emulator.reset()
    assert page(admin) == first


def test_a_put_body_read_again_gives_its_own_copy_of_the_same_fields() -> None:
    from mockserver.errors import InvalidParameter, JsonParseError
    from mockserver.presence import parsing

    raw = b'{"userStatus":"Busy","presenceStatus":"Offline","message":"Back soon"}'
    first = parsing.update_body(raw)
    assert first == {"userStatus": "Busy", "message": "Back soon"}  # read-only one ignored
    first["userStatus"] = "Offline"  # a caller's copy is its own
    assert parsing.update_body(raw) == {"userStatus": "Busy", "message": "Back soon"}
    for bad in (b'{"userStatus":"Nope"}', b"[1]"):
        for _ in range(2):  # refused again, not answered from what was kept
            with pytest.raises((InvalidParameter, JsonParseError)):
                parsing.update_body(bad)


def test_kept_pages_are_bounded_by_the_records_on_them(
    admin: Api, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "RECORDS_KEPT", 25)
    emulator.presence._pages.clear()
    emulator.presence._paged = 0
    for number in (1, 2, 3, 4):
        assert admin.get(f"{API}/presence", page=str(number), perPage="10").status_code == 200
        kept = emulator.presence._pages.values()
        assert sum(len(page[2]["records"]) for page in kept) <= 25


def test_a_batch_read_again_shows_every_change(
    admin: Api, user: Api, directory, emulator: Emulator
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.answers import parts_of

    quiet = _quiet(directory)
    others = [e.id for e in directory.accounts[0].extensions[:3] if e.id != quiet.id]
    ids = ",".join(str(i) for i in [quiet.id, *others, 999])

    def batch(reader: Api) -> list[dict]:  # type: ignore[type-arg]
        answer = reader.get(f"{API}/extension/{ids}/presence")
        assert answer.status_code == 207, answer.text
        return parts_of(answer)

    first = batch(admin)
    assert batch(admin) == first
    assert first[0]["response"][-1]["status"] == 404  # the unknown ID's part
    admin.put(f"{API}/extension/{quiet.id}/presence", {"userStatus": "Busy"})
    assert batch(admin)[1]["presenceStatus"] == "Busy"
    admin.put(f"{API}/extension/{quiet.id}/presence", {"allowSeeMyPresence": False})
    assert batch(admin)[1]["presenceStatus"] == "Busy"
    assert batch(user)[1].get("userStatus") is None  # hidden from another user
    emulator.reset()
    assert batch(admin) == first
