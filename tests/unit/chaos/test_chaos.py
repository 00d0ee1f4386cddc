"""Faults and latency in process: rule parsing, replayable draws, run-time rules and every fault as
the exception `requests` raises through the `responses`-based mode."""

from __future__ import annotations

import time
from http.client import RemoteDisconnected

import pytest
import requests
from urllib3.exceptions import ProtocolError

from mockserver.chaos.specs import SpecError, delay, parse_rule, prefer
from mockserver.config import ConfigError, Settings
from mockserver.emulator import Emulator
from mockserver.inprocess import PresenceMock
from tests.support.answers import assert_error
from tests.support.login import login_headers

BASE = "https://platform.ringcentral.com"
PRESENCE = f"{BASE}/restapi/v1.0/account/~/extension/~/presence"


def test_rules_read_from_text() -> None:
    rule = parse_rule("readUserPresenceStatus=503:rate=5%:next=3:retry=7", "fault")
    assert (rule.operation, rule.fault, rule.rate, rule.next, rule.retry) == (
        "readUserPresenceStatus",
        "503",
        0.05,
        3,
        7,
    )
    assert delay("800ms").sample(0.5, 0.0) == 0.8
    assert delay("1.5s").low == 1.5
    assert delay("100-300ms").sample(0.5, 0.0) == pytest.approx(0.2)
    assert delay("200ms~0.5").sample(0.0, 0.0) == pytest.approx(0.2)
    window = parse_rule("stall:from=2026-11-30T10:00:00Z:until=1800000000:for=2", "fault")
    assert (window.start, window.until, window.stall) == (1796032800.0, 1800000000.0, 2.0)
    asked_delay, asked_fault = prefer("return=minimal, latency=20ms, fault=stall; for=1s")
    assert asked_delay is not None and asked_delay.low == 0.02
    assert asked_fault is not None and (asked_fault.fault, asked_fault.stall) == ("stall", 1.0)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("nosuchOperation=503", "fault"),
        ("418", "fault"),
        ("503:rate=150%", "fault"),
        ("503:sometimes=1", "fault"),
        ("soon", "latency"),
        ("300ms-100ms", "latency"),
        ("10min", "latency"),
    ],
)
def test_bad_rules_are_refused(text: str, kind: str) -> None:
    with pytest.raises(SpecError):
        parse_rule(text, kind)


def test_a_bad_startup_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--latency / --fault"):
        Emulator.from_settings(Settings(fault="teapot"))


@pytest.fixture
def mock() -> PresenceMock:
    with PresenceMock(log=False) as running:
        yield running


def test_platform_errors_by_prefer(mock: PresenceMock) -> None:
    headers = login_headers(BASE, mock.credentials)
    unavailable = requests.get(PRESENCE, headers={**headers, "Prefer": "fault=503"}, timeout=5)
    assert unavailable.status_code == 503
    assert unavailable.headers["Retry-After"] == "10"
    assert unavailable.json()["errors"][0]["errorCode"] == "CMN-201"
    throttled = requests.get(
        PRESENCE, headers={**headers, "Prefer": "fault=429; retry=3"}, timeout=5
    )
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "3"
    assert throttled.headers["X-Rate-Limit-Group"] == "light"
    assert throttled.headers["X-Rate-Limit-Remaining"] == "0"
    assert throttled.json()["errorCode"] == "CMN-301"
    broken = requests.get(PRESENCE, headers={**headers, "Prefer": "fault=500"}, timeout=5)
    assert broken.status_code == 500
    assert broken.json()["errorCode"] == "CMN-203"  # the errors page's 500 (FID-23)
    journal = [(e["status"], e.get("fault"), e["errorCode"]) for e in mock.requests]
    assert journal[-3:] == [
        (503, "503", "CMN-201"),
        (429, "429", "CMN-301"),
        (500, "500", "CMN-203"),
    ]


def test_network_faults_as_requests_raises_them(mock: PresenceMock) -> None:
    headers = login_headers(BASE, mock.credentials)
    with pytest.raises(requests.ConnectionError) as reset:
        requests.get(PRESENCE, headers={**headers, "Prefer": "fault=reset"}, timeout=5)
    assert isinstance(reset.value.args[0], ProtocolError)
    assert isinstance(reset.value.args[0].args[1], ConnectionResetError)
    with pytest.raises(requests.ConnectionError) as empty:
        requests.get(PRESENCE, headers={**headers, "Prefer": "fault=empty"}, timeout=5)
    assert isinstance(empty.value.args[0].args[1], RemoteDisconnected)
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        batch = f"{BASE}/restapi/v1.0/account/~/extension/{_ids(mock)}/presence"
        requests.get(batch, headers={**headers, "Prefer": "fault=truncate"}, timeout=5)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(PRESENCE, headers={**headers, "Prefer": "fault=stall"}, timeout=5)
    assert time.monotonic() - started < 1  # in process: at once
    faults = [e.get("fault") for e in mock.requests if e.get("fault")]
    assert faults == ["reset", "empty", "truncate", "stall"]


def _ids(mock: PresenceMock) -> str:
    users = [e for e in mock.emulator.directory.accounts[0].extensions if e.type.is_user]
    return ",".join(str(e.id) for e in users[:3])


def test_run_time_rules_next_n_then_normal(mock: PresenceMock) -> None:
    headers = login_headers(BASE, mock.credentials)
    client = mock.app.test_client()
    answer = client.put(
        "/_mock/chaos",
        json={"rules": [{"operation": "readUserPresenceStatus", "fault": "503", "next": 2}]},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["rules"][0]["next"] == 2
    statuses = [requests.get(PRESENCE, headers=headers, timeout=5).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    # Other operations are untouched by a rule naming one.
    account = f"{BASE}/restapi/v1.0/account/~"
    assert requests.get(account, headers=headers, timeout=5).status_code == 200
    client.delete("/_mock/chaos")
    assert client.get("/_mock/chaos").get_json()["rules"] == []


def test_a_rate_replays_with_its_seed(mock: PresenceMock) -> None:
    headers = login_headers(BASE, mock.credentials)
    client = mock.app.test_client()

    def run(seed: int) -> list[int]:
        rules = {"seed": seed, "rules": [{"fault": "500", "rate": "30%"}]}
        assert client.put("/_mock/chaos", json=rules).status_code == 200
        return [requests.get(PRESENCE, headers=headers, timeout=5).status_code for _ in range(30)]

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other
    assert 3 <= first.count(500) <= 18


def test_latency_rule_and_reset_clears_run_time_rules(mock: PresenceMock) -> None:
    headers = login_headers(BASE, mock.credentials)
    client = mock.app.test_client()
    client.put("/_mock/chaos", json={"rules": [{"latency": "250ms"}]})
    started = time.monotonic()
    assert requests.get(PRESENCE, headers=headers, timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.25
    client.post("/_mock/reset")
    started = time.monotonic()
    requests.get(PRESENCE, headers=headers, timeout=5)
    assert time.monotonic() - started < 0.2


def test_a_time_window_on_the_emulator_clock(mock: PresenceMock) -> None:
    headers = login_headers(BASE, mock.credentials)
    client = mock.app.test_client()
    now = mock.emulator.clock.now()
    window = {"fault": "503", "from": now + 600, "until": now + 1200}
    client.put("/_mock/chaos", json={"rules": [window]})
    assert requests.get(PRESENCE, headers=headers, timeout=5).status_code == 200
    client.post("/_mock/clock", json={"advance": 700})
    assert requests.get(PRESENCE, headers=headers, timeout=5).status_code == 503
    client.post("/_mock/clock", json={"advance": 600})
    assert requests.get(PRESENCE, headers=headers, timeout=5).status_code == 200


def test_bad_run_time_rules_are_a_400_and_change_nothing(mock: PresenceMock) -> None:
    client = mock.app.test_client()
    assert_error(client.put("/_mock/chaos", json={"rules": [{"fault": "418"}]}), 400, "CMN-101")
    assert_error(client.put("/_mock/chaos", json={"rules": [{"oops": 1}]}), 400, "CMN-101")
    broken = client.put("/_mock/chaos", data=b"{", content_type="application/json")
    assert_error(broken, 400, "CMN-103")
    assert client.get("/_mock/chaos").get_json()["rules"] == []


def test_controls_are_never_faulted(mock: PresenceMock) -> None:
    client = mock.app.test_client()
    client.put("/_mock/chaos", json={"rules": [{"fault": "503"}]})
    assert client.get("/_mock/health", headers={"Prefer": "fault=reset"}).status_code == 200


def test_startup_rules_from_settings() -> None:
    with PresenceMock(
        settings=Settings(latency="getToken=150ms", fault="readAccountInfo=429"), log=False
    ) as mock:
        started = time.monotonic()
        headers = login_headers(BASE, mock.credentials)
        assert time.monotonic() - started >= 0.15
        answer = requests.get(f"{BASE}/restapi/v1.0/account/~", headers=headers, timeout=5)
        assert answer.status_code == 429
        assert mock.app.test_client().get("/_mock/chaos").get_json()["startup"] == [
            "getToken=150ms",
            "readAccountInfo=429",
        ]


def test_chaos_controls_are_locked_like_the_others() -> None:
    from mockserver.web.app import create_app

    app = create_app({"controls": "token", "controls_token": "s3cret-token-123"})
    client = app.test_client()
    assert client.get("/_mock/chaos").status_code == 401
    locked = client.get("/_mock/chaos", headers={"Authorization": "Bearer s3cret-token-123"})
    assert locked.status_code == 200


def test_environment_twins() -> None:
    settings = Settings.from_env(
        {
            "PRESENCE_MOCK_LATENCY": "getToken=10ms,20ms-30ms",
            "PRESENCE_MOCK_FAULT": "readAccountInfo=503:next=1",
            "PRESENCE_MOCK_CHAOS_SEED": "3",
        }
    )
    chaos = Emulator.from_settings(settings).chaos
    assert [rule.text for rule in chaos.startup] == [
        "getToken=10ms",
        "20ms-30ms",
        "readAccountInfo=503:next=1",
    ]
    assert chaos.default_seed == 3


def test_no_rules_cost_one_check() -> None:
    chaos = Emulator.from_settings(Settings()).chaos
    assert chaos.armed() is False
    started = time.perf_counter()
    for _ in range(100_000):
        chaos.armed()
    assert (time.perf_counter() - started) / 100_000 < 5e-6  # well under a microsecond, usually
