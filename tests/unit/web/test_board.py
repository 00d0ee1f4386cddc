"""The presence board's page and JSON, in process (the browser tests are in
tests/browser/test_board_browser.py)."""

from __future__ import annotations

import re

import pytest

from mockserver.cli.main import _parser, settings_from
from mockserver.config import Settings
from mockserver.web.app import create_app
from tests.support.answers import assert_error, find
from tests.support.paths import REPO

BOARD = "/_mock/board"
API = "/restapi/v1.0/account/~"


def rows(client, **query):
    answer = client.get(f"{BOARD}/extensions", query_string=query)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_root_leads_to_the_board_and_the_page_is_served(client):
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == BOARD
    page = client.get(BOARD)
    assert page.status_code == 200
    assert page.content_type == "text/html; charset=utf-8"
    html = page.get_data(as_text=True)
    # Offline: the page names only the package's own files, never a CDN.
    assert "/_mock/board/static/board.js" in html and "/_mock/board/static/board.css" in html
    assert "http://" not in html and "https://" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for name in ("board.js", "board.css"):
        assert client.get(f"{BOARD}/static/{name}").status_code == 200


def test_a_row_is_what_the_rest_api_reads(client, admin, directory):
    account = directory.accounts[0]
    user = find(directory, lambda e: bool(e.active_calls) and e.id in account.queues_of)
    found = client.get(f"{BOARD}/extensions/{user.id}").get_json()
    rest = admin.get(f"{API}/extension/{user.id}/presence", detailedTelephonyState="true")
    assert found["presence"] == rest.get_json()
    assert found["name"] == user.name
    assert found["extensionNumber"] == user.number
    assert found["queues"] == [{"id": q.id, "name": q.name} for q in account.queues_of[user.id]]


def test_paging_keeps_a_page_small(client, directory):
    total = len(directory.accounts[0].extensions)
    first = rows(client, perPage=24)
    assert len(first["records"]) == 24
    assert first["paging"] == {
        "page": 1,
        "perPage": 24,
        "totalPages": -(-total // 24),
        "totalElements": total,
    }
    last = rows(client, perPage=24, page=first["paging"]["totalPages"])
    assert len(last["records"]) == total - 24 * (first["paging"]["totalPages"] - 1)
    assert rows(client, perPage=100_000)["paging"]["perPage"] == 200


def test_filters_by_type_queue_and_search(client, directory):
    account = directory.accounts[0]
    departments = rows(client, type="Department", perPage=200)["records"]
    assert {r["type"] for r in departments} == {"Department"}
    assert len(departments) == sum(1 for e in account.extensions if e.members)
    queue = departments[0]
    members = rows(client, queue=queue["id"], perPage=200)["records"]
    assert {r["id"] for r in members} == {
        m.extension_id for m in account.by_id[queue["id"]].members
    }
    user = find(directory, lambda e: e.type.is_user and e.number != "101")
    by_name = rows(client, search=user.name.split()[-1].upper())["records"]
    assert user.id in {r["id"] for r in by_name}
    by_number = rows(client, search=user.number)["records"]
    assert by_number[0]["id"] == user.id
    assert user.phone_number is not None
    by_phone = rows(client, search=user.phone_number)["records"]
    assert [r["id"] for r in by_phone] == [user.id]


def test_filters_by_presence_read_what_a_get_reads(client, admin, directory):
    busy = rows(client, status="Busy", perPage=200)
    assert busy["records"]
    assert {r["presence"]["presenceStatus"] for r in busy["records"]} == {"Busy"}
    ringing = rows(client, telephony="Ringing", perPage=200)["records"]
    assert all(r["presence"]["telephonyStatus"] == "Ringing" for r in ringing)
    # A PUT moves a user into the filter.
    available = rows(client, status="Available", type="User")["records"][0]
    admin.put(f"{API}/extension/{available['id']}/presence", {"userStatus": "Busy"})
    after = rows(client, status="Busy", perPage=200)
    assert after["paging"]["totalElements"] == busy["paging"]["totalElements"] + 1
    assert available["id"] in {r["id"] for r in after["records"]}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"type": "Robot"}, "type"),
        ({"status": "Away"}, "status"),
        ({"telephony": "Calling"}, "telephony"),
        ({"queue": "sales"}, "queue"),
        ({"search": "x" * 101}, "search"),
        ({"page": "0"}, "page"),
        ({"perPage": "-1"}, "perPage"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, query, parameter):
    answer = client.get(f"{BOARD}/extensions", query_string=query)
    assert_error(answer, 400, "CMN-101", parameterName=parameter)


def test_unknown_account_or_extension_is_404(client):
    assert_error(client.get(f"{BOARD}/extensions?account=1"), 404, "CMN-102")
    assert_error(client.get(f"{BOARD}/extensions/12x"), 404, "CMN-102")
    assert_error(client.get(f"{BOARD}/extensions/1"), 404, "CMN-102")


def test_the_second_account_is_shown_when_asked(client, directory):
    second = directory.accounts[1]
    found = rows(client, account=second.id, perPage=200)
    assert {r["id"] for r in found["records"]} == {e.id for e in second.extensions}
    setup = client.get(f"{BOARD}/setup", query_string={"account": second.id}).get_json()
    assert setup["account"]["id"] == second.id
    assert setup["extensions"] == len(second.extensions)


def test_setup_tells_the_page_what_it_needs(client, directory):
    setup = client.get(f"{BOARD}/setup").get_json()
    account = directory.accounts[0]
    assert setup["account"]["id"] == account.id
    assert setup["extensions"] == len(account.extensions)
    assert "User" in setup["types"] and "Department" in setup["types"]
    assert {q["id"] for q in setup["queues"]} == {e.id for e in account.extensions if e.members}
    assert "DoNotAcceptAnyCalls" in setup["dndStatuses"] and "Unknown" not in setup["dndStatuses"]
    assert setup["now"] > 0


def test_a_board_write_is_a_presence_update(client, admin, directory, emulator):
    user = find(directory, lambda e: e.type.is_user and not e.admin and e.status == "Enabled")
    heard: list[list[int]] = []

    class Listener:
        def presence_changed(self, extension_ids):
            heard.append(list(extension_ids))

    emulator.presence.listen(Listener())
    try:
        body = {"userStatus": "Busy", "dndStatus": "DoNotAcceptAnyCalls", "message": "On a call"}
        answer = client.post(f"{BOARD}/extensions/{user.id}/presence", json=body)
    finally:
        emulator.presence._listeners.pop()
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert heard == [[user.id]]
    rest = admin.get(f"{API}/extension/{user.id}/presence").get_json()
    assert {k: rest[k] for k in body} == body
    assert answer.get_json()["presence"]["message"] == "On a call"


def test_a_board_write_is_judged_like_a_put(client, directory):
    user = find(directory, lambda e: e.type.is_user)
    queue = find(directory, lambda e: bool(e.members))
    path = f"{BOARD}/extensions/{user.id}/presence"
    assert_error(client.post(path, json={"userStatus": "Away"}), 400, "CMN-101")
    assert_error(client.post(path, data=b"[1]", content_type="application/json"), 400, "CMN-103")
    answer = client.post(f"{BOARD}/extensions/{queue.id}/presence", json={"userStatus": "Busy"})
    assert_error(answer, 403, "PRS-106")  # a non-user has no presence to set


def test_the_requests_panel_is_newest_first_with_violations(client, admin):
    admin.get(f"{API}/extension/~/presence")
    admin.get(f"{API}/presence", perpage="3")  # a misspelt parameter: a violation
    entries = client.get(f"{BOARD}/requests").get_json()["records"]
    assert [e["path"] for e in entries[:2]] == [f"{API}/presence", f"{API}/extension/~/presence"]
    assert entries[0]["verdict"] == "violation"
    assert entries[0]["problems"][0]["parameter"] == "perpage"
    newer = client.get(f"{BOARD}/requests", query_string={"after": entries[1]["time"]}).get_json()[
        "records"
    ]
    assert [e["time"] for e in newer] == [entries[0]["time"]]


def test_the_requests_panel_shows_a_body_missing_a_required_field(client, admin):
    """Found by tests/unit/validation/test_fuzz.py: a problem's `found` for an absent field was
    an object JSON cannot write, and the journal's readers answered 500."""
    admin.client.post(
        "/restapi/v1.0/subscription", json={"eventFilters": []}, headers=admin.headers()
    )
    for path in (f"{BOARD}/requests", "/_mock/requests"):
        answer = client.get(path)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    entry = client.get(f"{BOARD}/requests").get_json()["records"][0]
    assert entry["verdict"] == "violation"
    # The absent field is journalled as `<missing>` (validation/request_journal.py), not as null,
    # which a client could have sent.
    assert {
        p["parameter"]: p["found"] for p in entry["problems"] if p["parameter"] == "deliveryMode"
    } == {"deliveryMode": "<missing>"}


def test_the_board_answers_without_oauth_and_outside_the_journal(client):
    client.get(f"{BOARD}/extensions")
    client.get(BOARD)
    assert client.get("/_mock/requests").get_json() == {"records": []}


def test_the_switch_turns_the_board_off_and_on(client):
    try:
        assert client.get(f"{BOARD}/switch").get_json() == {"enabled": True}
        assert client.post(f"{BOARD}/switch", json={"enabled": False}).get_json() == {
            "enabled": False
        }
        for path in ("/", BOARD, f"{BOARD}/extensions", f"{BOARD}/static/board.js"):
            assert_error(client.get(path), 404, "CMN-102", parameterName="uri")
        assert_error(client.post(f"{BOARD}/switch", json={"enabled": "no"}), 400, "CMN-101")
        assert_error(client.post(f"{BOARD}/switch", json={"on": True}), 400, "CMN-101")
        broken = client.post(f"{BOARD}/switch", data=b"{", content_type="application/json")
        assert_error(broken, 400, "CMN-103")
    finally:
        client.post(f"{BOARD}/switch", json={"enabled": True})
    assert client.get("/").status_code == 302


def test_the_setting_and_its_twins_switch_it_off():
    client = create_app(Settings(board=False)).test_client()
    assert_error(client.get("/"), 404, "CMN-102")
    assert_error(client.get(BOARD), 404, "CMN-102")
    assert client.post(f"{BOARD}/switch", json={"enabled": True}).status_code == 200
    assert client.get(BOARD).status_code == 200
    assert Settings.from_env({"PRESENCE_MOCK_BOARD": "0"}).board is False


def test_the_cli_flag_switches_it_off():
    assert settings_from(_parser().parse_args(["serve", "--no-board"])).board is False
    assert settings_from(_parser().parse_args(["serve"])).board is True


def test_the_controls_lock_covers_the_board():
    off = create_app(Settings(controls="off")).test_client()
    for path in ("/", BOARD, f"{BOARD}/extensions", f"{BOARD}/switch"):
        assert_error(off.get(path), 404, "CMN-102")
    locked = create_app(Settings(controls="token", controls_token="s3cret")).test_client()
    for path in (f"{BOARD}/extensions", f"{BOARD}/setup", f"{BOARD}/requests", f"{BOARD}/switch"):
        assert_error(locked.get(path), 401, "AGW-402")
    assert_error(locked.post(f"{BOARD}/switch", json={"enabled": False}), 401, "AGW-402")
    bearer = {"Authorization": "Bearer s3cret"}
    assert locked.get(f"{BOARD}/extensions", headers=bearer).status_code == 200
    # The page's shell holds no data: a browser gets it without a header, then sends the
    # bearer it was given in the address's fragment.
    assert locked.get("/").status_code == 302
    assert locked.get(BOARD).status_code == 200
    assert locked.get(f"{BOARD}/static/board.js").status_code == 200


# -- accessibility: contrast of the page's colours (WCAG 2.1 AA: 4.5:1 for text) ----------------
CSS = REPO / "mockserver/web/static/board.css"
# (text, background) pairs the page draws, by CSS variable or colour.
PAIRS = [
    ("--ink", "--bg"),
    ("--ink", "--panel"),
    ("--muted", "--bg"),
    ("--muted", "--panel"),
    ("--busy", "--panel"),  # the Reset button, violations, errors
    ("--focus", "--panel"),
    ("#fff", "--available"),  # badges: white text on each colour
    ("#fff", "--busy"),
    ("#fff", "--offline"),
    ("#fff", "--ringing"),
    ("#fff", "--dnd"),
    ("#fff", "--meeting"),
    ("#fff", "--ink"),
]


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_pages_colours_meet_wcag_aa_contrast():
    variables = dict(re.findall(r"(--[a-z]+):\s*(#[0-9a-fA-F]{3,6});", CSS.read_text()))
    for text, background in PAIRS:
        light, dark = sorted(
            (
                _luminance(variables.get(text, text)),
                _luminance(variables.get(background, background)),
            ),
            reverse=True,
        )
        ratio = (light + 0.05) / (dark + 0.05)
        assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}"


def test_every_control_of_the_page_has_a_label(client):
    html = client.get(BOARD).get_data(as_text=True)
    for field in re.findall(r"<(?:input|select)[^>]*\bid=\"([^\"]+)\"", html):
        assert f'for="{field}"' in html, field
    assert '<html lang="en">' in html
