"""`GET /_mock/snapshot` and `PUT /_mock/snapshot`: a control like the others (the access rule
applies), and a refused import is one line, a 4xx, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.config import Settings
from mockserver.web.app import create_app
from mockserver.web.context import emulator_of
from tests.support.snapshots import build_office, sections, without_timestamp

JSON = {"Content-Type": "application/json"}


def client_of(**settings: Any):
    return create_app(Settings(**settings)).test_client()


def office_snapshot() -> bytes:
    app = create_app(Settings())
    build_office(emulator_of(app))
    answer = app.test_client().get("/_mock/snapshot")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    return answer.data


def test_export_then_import_over_http() -> None:
    exported = office_snapshot()
    client = client_of()
    answer = client.put("/_mock/snapshot", data=exported, headers=JSON)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "imported" and body["subscriptions"] == 1
    assert body["position"] == sections(exported)["events"]["position"]
    again = client.get("/_mock/snapshot").data
    assert without_timestamp(again) == without_timestamp(exported)
    assert len(exported) > 64 * 1024  # past the other bodies' limit: a snapshot has its own


def _edited(raw: bytes, change) -> bytes:
    data = json.loads(raw)
    change(data)
    return json.dumps(data).encode()


def _set(path: list[Any], value: Any):
    def change(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


def _first_presence(value: Any):
    def change(data: dict[str, Any]) -> None:
        data["presence"][next(iter(data["presence"]))] = value

    return change


REFUSED = [
    ("not json", lambda raw: b"{not json", 400, "not valid JSON"),
    ("not a snapshot", lambda raw: b'{"accounts": []}', 400, "not a presence-mock snapshot"),
    ("a later version", lambda raw: _edited(raw, _set(["version"], 2)), 400, "version 2"),
    (
        "a schema error",
        lambda raw: _edited(raw, _set(["clock"], {"offset": "soon"})),
        400,
        "$.clock",
    ),
    (
        "a bad field value",
        lambda raw: _edited(raw, _first_presence({"userStatus": "Away"})),
        400,
        "userStatus",
    ),
    (
        "an unknown extension",
        lambda raw: _edited(raw, _set(["presence", "99"], {"userStatus": "Busy"})),
        400,
        "extension 99",
    ),
    (
        "a refused WebHook address",
        lambda raw: _edited(raw, _set(["subscriptions", 0, "address"], "http://10.1.2.3/hook")),
        400,
        "--webhook-allow",
    ),
    (
        "a clock frozen beyond its range",
        lambda raw: _edited(raw, _set(["clock"], {"frozenAt": 1.0})),
        400,
        "clock.frozenAt: 1.0 is more than",
    ),
    (
        "accounts that are no fixture",
        lambda raw: _edited(raw, _set(["directory", "accounts", 0, "extensions"], "none")),
        400,
        "directory: accounts[0].extensions",
    ),
    (
        "other accounts",
        lambda raw: _edited(raw, _set(["directory", "accounts", 0, "name"], "Another Inc.")),
        409,
        "serve --import",
    ),
]


@pytest.mark.parametrize(("name", "make", "status", "said"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_import_says_why_in_one_line_and_changes_nothing(
    name: str, make, status: int, said: str
) -> None:
    exported = office_snapshot()
    client = client_of()
    client.post("/_mock/clock", json={"offset": 120})
    before = client.get("/_mock/snapshot").data
    answer = client.put("/_mock/snapshot", data=make(exported), headers=JSON)
    assert answer.status_code == status
    body = answer.get_json()
    assert body["errorCode"] == "CMN-101"
    assert said in body["message"] and "\n" not in body["message"]
    assert "Traceback" not in body["message"]
    assert without_timestamp(client.get("/_mock/snapshot").data) == without_timestamp(before)


def test_an_empty_body_is_refused() -> None:
    answer = client_of().put("/_mock/snapshot", data=b"", headers=JSON)
    assert answer.status_code == 400 and "no body" in answer.get_json()["message"]


def test_a_snapshot_past_the_limit_is_413(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.web import snapshot_api

    monkeypatch.setattr(snapshot_api, "MAX_SNAPSHOT_BYTES", 1000)
    answer = client_of().put("/_mock/snapshot", data=b" " * 2000 + b"{}", headers=JSON)
    assert answer.status_code == 413


# -- the access rule ----------------------------------------------------------------------------
def test_off_hides_both() -> None:
    client = client_of(controls="off")
    assert client.get("/_mock/snapshot").status_code == 404
    assert client.put("/_mock/snapshot", data=b"{}", headers=JSON).status_code == 404


def test_token_wants_the_secret_for_both() -> None:
    client = client_of(controls="token", controls_token="s3cret")
    exported = office_snapshot()
    assert client.get("/_mock/snapshot").status_code == 401
    assert client.put("/_mock/snapshot", data=exported, headers=JSON).status_code == 401
    bearer = {"Authorization": "Bearer s3cret"}
    assert client.get("/_mock/snapshot", headers=bearer).status_code == 200
    answer = client.put("/_mock/snapshot", data=exported, headers={**JSON, **bearer})
    assert answer.status_code == 200


def test_a_cross_site_import_is_refused() -> None:
    client = client_of()
    exported = office_snapshot()
    before = client.get("/_mock/snapshot").data
    for headers in ({"Origin": "http://evil.localhost"}, {"Sec-Fetch-Site": "cross-site"}):
        answer = client.put("/_mock/snapshot", data=exported, headers={**JSON, **headers})
        assert answer.status_code == 403
    plain = client.put("/_mock/snapshot", data=exported, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert without_timestamp(client.get("/_mock/snapshot").data) == without_timestamp(before)


def test_a_name_not_of_this_server_is_refused() -> None:
    answer = client_of().get("/_mock/snapshot", headers={"Host": "attacker.test"})
    assert answer.status_code == 421


def test_a_derived_app_secret_is_never_exported() -> None:
    settings = Settings(credentials_secret="a-secret-of-twenty-chars", random_credentials=True)
    app = create_app(settings)
    secret = emulator_of(app).directory.apps[0].client_secret
    exported = app.test_client().get("/_mock/snapshot").data
    assert secret.encode() not in exported
    assert sections(exported)["directory"]["apps"][0]["clientSecret"].startswith("(derived")
    # Another server of the same accounts (another secret) loads it: secrets are not compared.
    other = client_of(credentials_secret="another-secret-twenty-chars", random_credentials=True)
    assert other.put("/_mock/snapshot", data=exported, headers=JSON).status_code == 200


def test_a_schema_reference_in_the_accounts_is_no_difference() -> None:
    client = client_of()
    data = json.loads(client.get("/_mock/snapshot").data)
    data["$schema"] = "urn:presence-mock:snapshot:1"
    data["directory"]["$schema"] = "fixtures/fixture.schema.json"
    answer = client.put("/_mock/snapshot", data=json.dumps(data), headers=JSON)
    assert answer.status_code == 200, answer.get_json()
