"""No 5xx for any input on any route: every rule of the REST app's URL map (the /restapi surface,
the OAuth endpoints, every /_mock control and the board) and every HTTP route of the gateway, with
hostile values in every path parameter, in the common query parameters and in JSON bodies.

A deterministic sweep (each route, each value) and a bounded Hypothesis search with a fixed
derandomised seed, so neither can flake. Rate limits are off so every request reaches its view.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule
from werkzeug.test import Client, TestResponse

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.gateway.app import Gateway
from mockserver.gateway.core import Core
from mockserver.inputs import MAX_JSON_DEPTH
from mockserver.web.app import create_app
from tests.support.login import login

THOUSANDS = "9" * 5000  # past int()'s 4300-digit limit
HOSTILE = (
    THOUSANDS,
    "9" * 20,  # past int64
    "²",  # a digit to str.isdigit, not to int()
    "1²",
    "١٢٣",  # Arabic-Indic digits: int() takes them, the platform's IDs are ASCII
    "-1",
    "",
    "x" * 3000,
    "1e400",
    "%00",
    "~,²",
)
# The query parameters the routes read, and a few every client sends.
QUERY = (
    "accountId",
    "extensionId",
    "subscriptionId",
    "after",
    "limit",
    "page",
    "perPage",
    "detailedTelephonyState",
    "sipData",
    "access_token",
    "queueId",
    "type",
    "status",
    "search",
    "q",
    "id",
    "ids",
    "wsc",
)
# Body fields the controls and the API read (every control takes a JSON object).
FIELDS = (
    "accountId",
    "extensionId",
    "from",
    "to",
    "name",
    "queueId",
    "location",
    "warm",
    "advance",
    "offset",
    "freeze",
    "enabled",
    "rate",
    "seed",
    "rules",
    "userStatus",
    "dndStatus",
    "message",
    "eventFilters",
    "deliveryMode",
    "expiresIn",
    "records",
)
DEEP = 5 * MAX_JSON_DEPTH
BODIES = (
    b"[" * 3000 + b"]" * 3000,  # past json's own recursion limit: RecursionError unbounded
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b'{"records": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    b'{"advance": ' + b"9" * 400 + b"}",
    b'{"offset": -' + b"9" * 400 + b"}",
    b'{"accountId": ' + b"9" * 4000 + b"}",
    b"\xff\xfe\x00",
    b"null",
    b"1e400",
    b'"' + b"x" * 5000 + b'"',
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


Walker = tuple[Client, list[Rule], dict[str, str], Emulator]


@pytest.fixture(scope="module")
def walker() -> Iterator[Walker]:
    emulator = Emulator.from_settings(Settings(validate_responses=True, rate_limits="off"))
    app = create_app(emulator=emulator)
    app.testing = False  # an unexpected error is answered as on a server, not raised
    client = app.test_client()
    token = login(client, emulator.directory, emulator.directory.accounts[0].administrator).token
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    yield client, rules, {"Authorization": f"Bearer {token}"}, emulator
    emulator.reset()


def _methods(rule: Rule) -> list[str]:
    return sorted(set(rule.methods or ()) & set(METHODS))


def _path(rule: Rule, value: str) -> str:
    return _ARGUMENT.sub(lambda _: quote(value, safe=""), rule.rule)


def _send(
    client: Client, method: str, path: str, headers: dict[str, str], **kwargs: Any
) -> TestResponse:
    answer = client.open(path, method=method, headers=headers, **kwargs)
    assert answer.status_code < 500, (method, path[:120], answer.get_data(as_text=True)[:300])
    if answer.status_code >= 400 and answer.mimetype == "application/json":
        body = answer.get_json()
        assert body.get("errors") or body.get("error"), body  # the platform's shape
    return answer


def _settle(emulator: Emulator) -> None:
    """Undo what a request may have changed that would change the next ones' answers (a reset,
    the board switched off, a chaos rule): every request starts from the same emulator."""
    emulator.reset()
    emulator.clock.reset()


def test_the_walk_covers_every_surface(walker: Walker) -> None:
    _, rules, _, _ = walker
    paths = {rule.rule for rule in rules}
    for expected in (
        "/_mock/calls",
        "/_mock/queue-calls",
        "/_mock/calls/<session>/<step>",
        "/_mock/clock",
        "/restapi/v1.0/subscription/<subscription>",
        "/restapi/oauth/token",
    ):
        assert any(path.startswith(expected.split("<")[0]) for path in paths), expected
    assert sum(1 for rule in rules if rule.arguments) >= 10


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:12]) + f"/{len(v)}")
def test_hostile_path_and_query_values_are_never_a_5xx(walker: Walker, value: str) -> None:
    client, rules, headers, emulator = walker
    query = {name: value for name in QUERY}
    body = json.dumps({name: value for name in FIELDS})
    for rule in rules:
        for method in _methods(rule):
            path = _path(rule, value)
            _send(client, method, path, headers, query_string=query)
            if method != "GET":
                _send(client, method, path, headers, data=body, content_type="application/json")
        _settle(emulator)


@pytest.mark.parametrize("body", BODIES, ids=lambda b: repr(b[:10]) + f"/{len(b)}")
def test_hostile_bodies_are_never_a_5xx(walker: Walker, body: bytes) -> None:
    client, rules, headers, emulator = walker
    for rule in rules:
        for method in _methods(rule):
            if method == "GET":
                continue
            # A plausible path (the caller's own account and extension), so the body is read.
            path = _ARGUMENT.sub(_plausible, rule.rule)
            _send(client, method, path, headers, data=body, content_type="application/json")
        _settle(emulator)


def _plausible(found: re.Match[str]) -> str:
    return {"step": "answer", "filename": "board.js"}.get(found.group(1), "~")


def test_a_deeply_nested_subscription_update_is_cmn_103_not_a_recursion_error(
    walker: Walker,
) -> None:
    """The fuzz test found this now and then: the journal parsed the body again, unbounded."""
    client, _, headers, emulator = walker
    created = client.post(
        "/restapi/v1.0/subscription",
        json={
            "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
            "deliveryMode": {"transportType": "WebHook", "address": "http://127.0.0.1:9/hook"},
        },
        headers=headers,
    )
    target = created.get_json()["id"] if created.status_code == 200 else "unknown"
    for depth in (MAX_JSON_DEPTH + 1, 2000, 30_000):
        for raw in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
            answer = _send(
                client,
                "PUT",
                f"/restapi/v1.0/subscription/{target}",
                headers,
                data=raw,
                content_type="application/json",
            )
            assert answer.status_code in (400, 404), answer.get_data(as_text=True)
    _settle(emulator)


# -- Hypothesis: odd digits and numbers in every path parameter and query ------------------------
odd_numbers = st.one_of(
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=30),  # superscript, Indic
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=300, max_value=6000).map(lambda n: "9" * n),
    st.text(max_size=60),
)


@settings(
    derandomize=True,  # the same examples on every run: this test cannot flake
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(index=st.integers(min_value=0), value=odd_numbers, name=st.sampled_from(QUERY))
def test_hypothesis_odd_numbers_anywhere_are_never_a_5xx(
    walker: Walker, index: int, value: str, name: str
) -> None:
    client, rules, headers, emulator = walker
    rule = rules[index % len(rules)]
    methods = _methods(rule)
    method = methods[index % len(methods)] if methods else "GET"
    _send(client, method, _path(rule, value), headers, query_string={name: value})
    if method != "GET":
        body = json.dumps({field: value for field in FIELDS})
        _send(
            client, method, _path(rule, value), headers, data=body, content_type="application/json"
        )
    _settle(emulator)


# -- the gateway's HTTP routes -----------------------------------------------------------------
def test_the_gateways_routes_answer_hostile_values_without_a_5xx(walker: Walker) -> None:
    _, _, headers, emulator = walker
    asyncio.run(_walk_gateway(emulator, headers))


async def _walk_gateway(emulator: Emulator, headers: dict[str, str]) -> None:
    gateway = Gateway(Core(emulator))
    app = gateway.application()
    routes = sorted({(r.method, r.resource.canonical) for r in app.router.routes() if r.resource})
    assert {path for _, path in routes} >= {"/ws", "/_mock/stream", "/_mock/health"}
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        for method, path in routes:
            for value in HOSTILE:
                # One parameter at a time: a request line past 8 KiB is aiohttp's own 400.
                for name in QUERY:
                    for given in ({}, headers):
                        extra = {"Last-Event-ID": value} if value.isascii() else {}
                        # The stream is opened only with a hostile `after` (else it streams).
                        params = {"after": "²"} if "stream" in path else {}
                        params[name] = value
                        async with client.request(
                            method, path, params=params, headers={**given, **extra}
                        ) as answer:
                            assert answer.status < 500, (method, path, name, value[:20])


# -- the cases found by hand, each answered by its view, naming the parameter -----------------
PLACE = {"from": "+15550100", "to": "101"}


@pytest.mark.parametrize("value", ["²", "١٢٣", "9" * 3900])  # 3900: as long as a URI allows
@pytest.mark.parametrize(
    ("method", "path", "body", "parameter"),
    [
        ("GET", "/_mock/calls?accountId={v}", None, "accountId"),
        ("GET", "/_mock/calls/{v}", None, "telephonySessionId"),
        ("POST", "/_mock/calls/{v}/answer", {}, "telephonySessionId"),
        ("POST", "/_mock/calls/1/answer", {"accountId": "{v}"}, "accountId"),
        ("POST", "/_mock/meetings/{v}/start", {}, "extensionId"),
        ("POST", "/_mock/meetings/101/start", {"accountId": "{v}"}, "accountId"),
        ("POST", "/_mock/presence/{v}", {}, "extensionId"),
        ("POST", "/_mock/presence/101?accountId={v}", {}, "accountId"),
        ("POST", "/_mock/calls", {**PLACE, "accountId": "{v}"}, "accountId"),
        ("POST", "/_mock/queue-calls", {"queueId": "{v}", "from": "+15550100"}, "queueId"),
    ],
)
def test_the_reported_cases_name_their_parameter(
    walker: Walker, value: str, method: str, path: str, body: dict[str, str] | None, parameter: str
) -> None:
    client, _, headers, emulator = walker
    given = {k: v.format(v=value) for k, v in body.items()} if body is not None else None
    answer = _send(client, method, path.format(v=quote(value)), headers, json=given)
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)[:300]
    error = answer.get_json()
    assert error.get("parameterName") == parameter, error
    _settle(emulator)


def test_thousands_of_digits_in_a_body_name_their_parameter(walker: Walker) -> None:
    client, _, headers, emulator = walker
    for path, body in (
        ("/_mock/calls", {**PLACE, "accountId": THOUSANDS}),
        ("/_mock/calls/1/hold", {"accountId": THOUSANDS}),
    ):
        answer = _send(client, "POST", path, headers, json=body)
        assert answer.get_json().get("parameterName") == "accountId", answer.get_json()
    _settle(emulator)


def test_a_400_digit_clock_advance_is_cmn_101_naming_it(walker: Walker) -> None:
    client, _, headers, _ = walker
    for name in ("advance", "offset"):
        for digits in ("9" * 400, "-" + "9" * 400):
            raw = f'{{"{name}": {digits}}}'
            answer = _send(
                client, "POST", "/_mock/clock", headers, data=raw, content_type="application/json"
            )
            assert answer.status_code == 400
            assert answer.get_json()["parameterName"] == name
