"""The kit checks the directory fields a client reads, typed as the platform's recorded answers
give them (docs/recorded.md): the emulator's records pass, a record that breaks them does not."""

from __future__ import annotations

import json
from typing import Any

from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client

from presence_mock_kit.checks import (
    ACCOUNT_FIELDS,
    EXTENSION_FIELDS,
    USER_FIELDS,
    USER_INFO_FIELDS,
    read_fields,
)
from presence_mock_kit.client import Exchange
from presence_mock_kit.findings import Ledger, Verdict
from presence_mock_kit.masking import Masker
from tests.support.login import Api

API = "/restapi/v1.0/account/~"


def exchange(path: str, body: Any) -> Exchange:
    content = json.dumps(body).encode()
    return Exchange("GET", path, path, 200, CaseInsensitiveDict(), content, f"GET {path}")


def findings(body: Any, fields: tuple[tuple[str, type], ...]) -> list[str]:
    verdict = Verdict("test", Masker(), Ledger())
    read_fields(verdict, exchange("/x", body), body, fields)
    return [finding.text() for finding in verdict.findings]


def test_the_emulators_records_have_what_clients_read(admin: Api, client: Client) -> None:
    assert findings(admin.get(API).get_json(), ACCOUNT_FIELDS) == []
    listed = admin.get(f"{API}/extension", perPage="1000").get_json()["records"]
    for record in listed:
        fields = USER_FIELDS if record["type"] == "User" else EXTENSION_FIELDS
        assert findings(record, fields) == [], record["id"]
    users = [r for r in listed if r["type"] == "User"][:5]
    for record in users:
        info = admin.get(f"{API}/extension/{record['id']}").get_json()
        assert findings(info, USER_INFO_FIELDS) == [], record["id"]


def test_a_wrongly_typed_or_missing_field_is_a_finding(admin: Api) -> None:
    account = admin.get(API).get_json()
    account["id"] = str(account["id"])  # a string where the platform sends a number
    del account["regionalSettings"]["timezone"]
    found = findings(account, ACCOUNT_FIELDS)
    assert any("$.id" in text for text in found)
    assert any("$.regionalSettings.timezone.name" in text for text in found)
    record = admin.get(f"{API}/extension/~").get_json()
    record["permissions"]["admin"]["enabled"] = 1  # a number is not a boolean
    assert any("permissions.admin.enabled" in t for t in findings(record, USER_INFO_FIELDS))
