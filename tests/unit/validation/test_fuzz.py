"""Arbitrary paths, queries, headers and bodies at every operation, in process, draw no 5xx and no
traceback (Hypothesis; decision TEST-1). A fresh emulator of its own, so the session's is not
disturbed; responses are schema-checked on the way out, so a malformed error body fails too."""

from __future__ import annotations

import json
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.operations import BY_ENDPOINT, SURFACES
from mockserver.web.app import create_app
from tests.support.login import basic_auth, login

# Bounded so `.ci/run` stays quick (about ten seconds); raise locally to look harder.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))  # more by hand: FUZZ_EXAMPLES=5000
PARAMS = ("account", "extension", "subscription")
QUERY_NAMES = (
    "page",
    "perPage",
    "detailedTelephonyState",
    "sipData",
    "access_token",
    "client_id",
    "redirect_uri",
    "response_type",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
    "state",
    "token",
)
FORM_NAMES = (
    "grant_type",
    "assertion",
    "username",
    "password",
    "extension",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "client_id",
    "client_secret",
    "access_token_ttl",
    "refresh_token_ttl",
    "token",
)
GRANTS = (
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "password",
    "authorization_code",
    "refresh_token",
)

texts = st.text(max_size=40)
numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=10**18).map(str),
    st.just("9" * 5000),
    st.sampled_from(["²", "١٢", "~", "-1", "0", "1e9", " 1", "1,2", "true"]),
)
values = st.one_of(texts, numbers)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)
# Subscription bodies, with the spec's own example address and relay forms: refused with
# SUB-521 before any lookup (the network guard fails the test on one), never a 5xx.
ADDRESSES = (
    "https://consumer-host.example.com/consumer/path",
    "http://127.0.0.1:1/hook",
    "http://2130706433:1/hook",
    "http://user:pass@127.0.0.1:1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:1/hook",
)
subscription_bodies = st.fixed_dictionaries(
    {
        "eventFilters": st.lists(
            st.sampled_from(
                [
                    "/restapi/v1.0/account/~/extension/~/presence",
                    "/restapi/v1.0/account/~/presence?detailedTelephonyState=true",
                    "/restapi/v1.0/subscription/~?threshold=60&interval=15",
                ]
            )
            | texts,
            max_size=3,
        ),
        "deliveryMode": st.fixed_dictionaries(
            {
                "transportType": st.sampled_from(["WebHook", "WebSocket", "PubNub"]) | texts,
                "address": st.sampled_from(ADDRESSES) | texts,
            },
            optional={"verificationToken": texts},
        ),
    },
    optional={"expiresIn": st.integers(-5, 10**10) | texts},
).map(lambda body: json.dumps(body).encode())
# Header values as a client can send them (latin-1, no line breaks: a client library refuses).
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)


@pytest.fixture(scope="module")
def fuzzed():
    emulator = Emulator.from_settings(Settings(validate_responses=True))
    app = create_app(emulator=emulator)
    app.testing = False  # an unexpected error is answered as it would be on a server
    client = app.test_client()
    token = login(client, emulator.directory, emulator.directory.accounts[0].administrator).token
    return client, {"bearer": f"Bearer {token}", "basic": basic_auth(emulator.directory)}


def mostly(draw, usual, other, odds: int = 4):
    """`usual` most of the time (the request reaches the operation), else `other`."""
    return draw(other) if draw(st.integers(0, odds)) == 0 else draw(usual)


@st.composite
def requests(draw):
    endpoint = draw(st.sampled_from(sorted(BY_ENDPOINT)))
    surface = endpoint.partition(".")[0]
    operation = BY_ENDPOINT[endpoint]
    path = SURFACES[surface] + operation.rule
    for name in PARAMS:
        value = mostly(draw, st.sampled_from(["~", "~", "1", "~,~"]), st.one_of(numbers, texts), 1)
        path = path.replace(f"<{name}>", quote(value, safe=draw(st.sampled_from(["", ",~"]))))
    path = mostly(
        draw, st.just(path), st.one_of(texts.map(lambda t: "/" + quote(t)), st.just(path + "/"))
    )
    method = mostly(
        draw, st.just(operation.method), st.sampled_from(["GET", "PUT", "POST", "HEAD"])
    )
    query = draw(
        st.dictionaries(st.one_of(st.sampled_from(QUERY_NAMES), texts), values, max_size=5)
    )
    headers = draw(
        st.dictionaries(st.sampled_from(["X-Any", "Accept", "Content-Type"]), header_text)
    )
    usual_auth = {"api": "bearer", "oauth": "basic"}.get(surface)
    authorization = mostly(
        draw,
        st.just(usual_auth),
        st.one_of(
            st.none(),
            header_text.map(lambda t: "Basic " + t),
            header_text.map(lambda t: "Bearer " + t),
        ),
        2,
    )
    body = draw(
        st.one_of(
            st.just(b""),
            st.binary(max_size=200),
            json_values.map(lambda v: json.dumps(v).encode()),
            st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
            st.dictionaries(
                st.one_of(st.sampled_from(FORM_NAMES), texts),
                st.one_of(values, st.sampled_from(GRANTS)),
                max_size=6,
            ).map(lambda form: urlencode(form).encode()),
        )
    )
    if "Subscription" in endpoint:  # mostly a body shaped like the operation's
        body = mostly(draw, subscription_bodies, st.just(body))
    return method, path, query, headers, authorization, body


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(request=requests())
def test_no_request_draws_a_5xx_or_a_traceback(fuzzed, request):
    client, auth = fuzzed
    method, path, query, headers, authorization, body = request
    if authorization is not None:
        headers["Authorization"] = auth.get(authorization, authorization)
    answer = client.open(path, method=method, query_string=query, headers=headers, data=body)
    text = answer.get_data(as_text=True)
    assert answer.status_code < 500, (answer.status_code, text[:500])
    assert "Traceback" not in text
    if answer.status_code >= 400 and method != "HEAD":  # a HEAD answer has no body
        assert answer.mimetype == "application/json", text[:200]
        assert answer.get_json()["errors"], text[:200]
