"""Issue 10, item 6 (the journal): `/_mock/requests` never shows a secret, password, token, JWT
assertion, code or verifier sent in a query string, and escapes control characters."""

from __future__ import annotations

import json

import pytest

from mockserver.validation.journal import HIDDEN

ME = "/restapi/v1.0/account/~/extension/~/presence"
SECRET = "s3cr3t-value-never-shown"


@pytest.mark.parametrize("name", sorted(HIDDEN))
@pytest.mark.parametrize(
    "path", [ME, "/restapi/oauth/revoke", "/restapi/oauth/token", "/restapi/oauth/authorize"]
)
def test_hidden_values_in_a_query_are_masked(client, name, path):
    method = client.get if path in (ME, "/restapi/oauth/authorize") else client.post
    method(path, query_string=[(name, SECRET), (name, SECRET + "2")], data={name: SECRET})
    shown = json.dumps(client.get("/_mock/requests").get_json())
    assert SECRET not in shown
    assert '"***"' in shown


def test_control_characters_in_journaled_values_are_escaped(client):
    client.get(
        ME + "/\x1b[2Jx",
        query_string={"perpage\x07": "1\r\n2\x1b", "detailedTelephonyState": "\x00"},
    )
    entries = client.get("/_mock/requests").get_json()
    text = json.dumps(entries, ensure_ascii=False)
    # json.dumps would write a raw control character as \\u001b; escaped ones read as "\\\\u001b".
    for raw in ("\x1b", "\r", "\n", "\x07", "\x00"):
        assert json.dumps(raw)[1:-1] not in text.replace("\\\\u", "")
    last = entries[-1]
    assert last["path"].endswith("/\\u001b[2Jx")
    assert last["query"]["perpage\\u0007"] == ["1\\u000d\\u000a2\\u001b"]
