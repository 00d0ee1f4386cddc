"""Masking in the request journal, the log lines and /_mock/events: by name (the WebSocket
token, API keys, a WebHook's verification token, `wsc`, a client assertion that is no JWT) and by
shape wherever a value is (a JWT, `Bearer ...`, a long random token); WebHook addresses shown
without their password or query values."""

from __future__ import annotations

import json
import logging
import secrets

import pytest

from mockserver.redaction import MASK, mask_address, mask_text

ME = "/restapi/v1.0/account/~/extension/~/presence"
PLAIN = "not-a-jwt-but-a-secret"  # a secret's value with no secret's shape


@pytest.mark.parametrize(
    "name",
    ["ws_access_token", "api_key", "verificationToken", "wsc", "client_assertion", "X-Api-Key"],
)
def test_named_secrets_are_masked_in_the_journal(client, name):
    client.get(ME, query_string={name: PLAIN})
    shown = json.dumps(client.get("/_mock/requests").get_json())
    assert PLAIN not in shown
    assert MASK in shown


SHAPED = {
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl",
    "bearer": "Bearer opaque.value-123",
    "token": secrets.token_urlsafe(32),
    "code": secrets.token_urlsafe(24),
    "platform": "U0pDMTFQMDFQQVMwMHxBQUJmX2xPaF9zUlBqZ0dGRnBmVnhxUmJLbHc",
}


@pytest.mark.parametrize("kind", sorted(SHAPED))
def test_shaped_secrets_are_masked_under_any_name(client, kind):
    value = SHAPED[kind]
    client.get(ME, query_string={"note": value})
    client.get(ME + "/" + value.replace(" ", "%20"))
    shown = json.dumps(client.get("/_mock/requests").get_json())
    hidden = value.split(" ")[-1]
    assert hidden not in shown


@pytest.mark.parametrize("kind", sorted(SHAPED))
def test_shaped_secrets_are_masked_in_log_lines(client, caplog, kind):
    value = SHAPED[kind]
    with caplog.at_level(logging.INFO, logger="presence_mock"):
        client.get(ME, query_string={"note": value})
        client.get(ME + "/" + value.replace(" ", "%20"))
    text = "\n".join(record.getMessage() for record in caplog.records)
    text += json.dumps([getattr(record, "fields", None) for record in caplog.records])
    assert "presence" in text
    assert value.split(" ")[-1] not in text


@pytest.mark.parametrize(
    "kept",
    [
        "2f2a3d6e-1b4c-4d5e-8f90-a1b2c3d4e5f6",  # a subscription ID (UUID)
        "1234567890123456789012345678901234567890",  # digits alone
        "detailedTelephonyState",
        "/restapi/v1.0/account/~/extension/62000001,62000002/presence",
    ],
)
def test_ids_and_plain_words_are_kept(kept):
    assert mask_text(kept) == kept


@pytest.mark.parametrize(
    ("address", "gone", "shown"),
    [
        ("https://alice:pa55word@hooks.test/in", "pa55word", "https://alice:***@hooks.test/in"),
        (
            "http://127.0.0.1:9/h?token=q5ecret&x=1",
            "q5ecret",
            "http://127.0.0.1:9/h?token=***&x=***",
        ),
        (
            "http://127.0.0.1:9/h?sig=abc#frag-secret",
            "frag-secret",
            "http://127.0.0.1:9/h?sig=***#***",
        ),
        ("http://[::1/h?token=q5ecret", "q5ecret", "***"),  # not a URL: masked whole
    ],
)
def test_webhook_addresses_are_masked(address, gone, shown):
    masked = mask_address(address)
    assert masked == shown
    assert gone not in masked


def test_the_events_control_shows_addresses_masked(client, emulator):
    envelope = {"subscriptionId": "s-1", "uuid": "u", "body": {}}
    address = "https://hook:Pa55w0rd-kept@127.0.0.1:9/receive?apiKey=k3y-in-query&tenant=7"
    emulator.events.delivered.record(
        "WebHook", envelope, time=1.0, position=1, address=address, status=200
    )
    shown = client.get("/_mock/events").get_json()["records"]
    text = json.dumps(shown)
    assert "Pa55w0rd-kept" not in text and "k3y-in-query" not in text
    assert shown[-1]["address"] == "https://hook:***@127.0.0.1:9/receive?apiKey=***&tenant=***"
