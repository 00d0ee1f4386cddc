"""End to end: every fault of `serve` seen by a real client on loopback (the official
`ringcentral` SDK 0.9.2 and `requests`), as the error that client raises; run-time rules shared
by two workers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.client import RemoteDisconnected

import pytest
import requests
from ringcentral.http.api_exception import ApiException
from urllib3.exceptions import ProtocolError

from tests.support.live_server import serving
from tests.support.login import sdk_platform

PRESENCE = "/restapi/v1.0/account/~/extension/~/presence"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(
        tmp_path_factory.mktemp("chaos"),
        "--workers",
        "2",
        "--latency",
        "readAccountInfo=300ms",
        "--chaos-seed",
        "5",
    ) as url:
        yield url


@pytest.fixture
def sdk(server: str):  # type: ignore[no-untyped-def]
    requests.post(f"{server}/_mock/reset", timeout=5).raise_for_status()
    return sdk_platform(server)


def _bearer(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {platform.auth().access_token()}"}


@pytest.mark.parametrize(
    ("fault", "status", "code", "retry"),
    [
        ("503", 503, "CMN-201", "10"),
        ("500", 500, "CMN-203", None),
        ("429", 429, "CMN-301", "60"),
    ],
)
def test_platform_errors_reach_the_sdk(
    sdk, fault: str, status: int, code: str, retry: str | None
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiException) as raised:
        sdk.get(PRESENCE, headers={"Prefer": f"fault={fault}"})
    answer = raised.value.api_response().response()
    assert answer.status_code == status
    assert answer.json()["errorCode"] == code
    assert answer.headers.get("Retry-After") == retry
    if fault == "429":
        assert answer.headers["X-Rate-Limit-Group"] == "light"
        assert answer.headers["X-Rate-Limit-Remaining"] == "0"


def test_a_reset_is_a_tcp_reset(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    headers = {**_bearer(sdk), "Prefer": "fault=reset"}
    with requests.Session() as session, pytest.raises(requests.ConnectionError) as raised:
        session.get(server + PRESENCE, headers=headers, timeout=5)
    assert isinstance(raised.value.args[0], ProtocolError)
    assert isinstance(raised.value.args[0].args[1], ConnectionResetError)
    # The SDK wraps whatever requests raised in its ApiException.
    with pytest.raises(ApiException) as wrapped:
        sdk.get(PRESENCE, headers={"Prefer": "fault=reset"})
    assert isinstance(wrapped.value.__context__, requests.ConnectionError)


def test_an_empty_reply(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    headers = {**_bearer(sdk), "Prefer": "fault=empty"}
    with pytest.raises(requests.ConnectionError) as raised:
        requests.get(server + PRESENCE, headers=headers, timeout=5)
    assert isinstance(raised.value.args[0].args[1], RemoteDisconnected)


def test_a_cut_off_batch(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    listed = requests.get(
        f"{server}/restapi/v1.0/account/~/extension", headers=_bearer(sdk), timeout=5
    )
    ids = ",".join(str(record["id"]) for record in listed.json()["records"][:3])
    batch = f"{server}/restapi/v1.0/account/~/extension/{ids}/presence"
    whole = requests.get(batch, headers=_bearer(sdk), timeout=5)
    assert whole.status_code == 207
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        requests.get(batch, headers={**_bearer(sdk), "Prefer": "fault=truncate"}, timeout=5)
    # Streamed, the client holds the first half of the multipart body before the break.
    with requests.get(
        batch, headers={**_bearer(sdk), "Prefer": "fault=truncate"}, stream=True, timeout=5
    ) as cut:
        assert cut.status_code == 207
        assert cut.headers["Content-Length"] == str(len(whole.content))
        got = b""
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for chunk in cut.iter_content(64):
                got += chunk
        assert 0 < len(got) < len(whole.content)
        assert got.startswith(b"--Boundary_")  # the batch's own start (boundaries differ)
        assert b'{"response":[' in got


def test_a_stall_outlasts_the_client_timeout(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            server + PRESENCE,
            headers={**_bearer(sdk), "Prefer": "fault=stall; for=2s"},
            timeout=0.5,
        )
    assert 0.5 <= time.monotonic() - started < 2


def test_a_stall_ending_leaves_other_requests_alone(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    """When a stall ends, its client has gone; another request from the same address, in
    flight then, must not be taken for it (a CI run once lost a PUT /_mock/chaos that way)."""
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            server + PRESENCE,
            headers={**_bearer(sdk), "Prefer": "fault=stall; for=1s"},
            timeout=0.3,
        )
    slow = requests.get(  # in flight from 0.3 s to 1.8 s: across the stall's end at 1 s
        server + PRESENCE, headers={**_bearer(sdk), "Prefer": "latency=1500ms"}, timeout=5
    )
    assert slow.status_code == 200


def test_latency_from_the_start_up_option(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    sdk.get("/restapi/v1.0/account/~")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    requests.get(server + PRESENCE, headers={**_bearer(sdk), "Prefer": "latency=400ms"}, timeout=5)
    assert time.monotonic() - started >= 0.4


def test_run_time_rules_reach_every_worker(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    rule = {"operation": "readUserPresenceStatus", "fault": "503", "next": 3, "retry": 2}
    assert (
        requests.put(f"{server}/_mock/chaos", json={"rules": [rule]}, timeout=5).status_code == 200
    )
    statuses = []
    for _ in range(6):  # new connections: spread over both workers
        statuses.append(
            requests.get(server + PRESENCE, headers=_bearer(sdk), timeout=5).status_code
        )
    assert statuses == [503, 503, 503, 200, 200, 200]
    journal = requests.get(f"{server}/_mock/requests", timeout=5).json()["records"]
    # (the stall of an earlier test may end, and be journalled, during this one)
    assert [e.get("fault") for e in journal if e.get("fault") == "503"] == ["503"] * 3
    assert requests.delete(f"{server}/_mock/chaos", timeout=5).json()["rules"] == []


def test_a_seeded_rate_replays(server: str, sdk) -> None:  # type: ignore[no-untyped-def]
    def run() -> list[int]:
        rules = {"seed": 11, "rules": [{"fault": "500", "rate": "40%"}]}
        requests.put(f"{server}/_mock/chaos", json=rules, timeout=5).raise_for_status()
        with requests.Session() as session:
            return [
                session.get(server + PRESENCE, headers=_bearer(sdk), timeout=5).status_code
                for _ in range(12)
            ]

    assert run() == run()
    requests.delete(f"{server}/_mock/chaos", timeout=5)
