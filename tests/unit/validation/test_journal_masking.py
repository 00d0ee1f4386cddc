"""The request journal (decisions REQ-5, REQ-8): `/_mock/requests` never shows a secret, password,
token, JWT assertion, code or verifier sent in a query string, and escapes control characters."""

from __future__ import annotations

import json

import pytest

from mockserver.redaction import SECRET_NAMES

ME = "/restapi/v1.0/account/~/extension/~/presence"
SECRET = "s3cr3t-value-never-shown"


@pytest.mark.parametrize("name", sorted(SECRET_NAMES))
@pytest.mark.parametrize(
    "path", [ME, "/restapi/oauth/revoke", "/restapi/oauth/token", "/restapi/oauth/authorize"]
)
def test_hidden_values_in_a_query_are_masked(client, name, path):
    method = client.get if path in (ME, "/restapi/oauth/authorize") else client.post
    method(path, query_string=[(name, SECRET), (name, SECRET + "2")], data={name: SECRET})
    shown = json.dumps(client.get("/_mock/requests").get_json())
    assert SECRET not in shown
    assert '"***"' in shown


def strings(value: object) -> list[str]:
    """Every string inside a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *strings(item)]]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_control_characters_in_journaled_values_are_escaped(client):
    client.get(
        ME + "/\x1b[2Jx",
        query_string={"perpage\x07": "1\r\n2\x1b", "detailedTelephonyState": "\x00"},
    )
    entries = client.get("/_mock/requests").get_json()["records"]
    # No raw control character survives; each is written as its Python escape (redaction.py).
    assert [text for text in strings(entries) if not text.isprintable()] == []
    last = entries[-1]
    assert last["path"].endswith("/\\x1b[2Jx")
    assert last["query"]["perpage\\x07"] == ["1\\r\\n2\\x1b"]
    assert last["query"]["detailedTelephonyState"] == ["\\x00"]
