"""End to end (decision EVT-13): WebHooks from `serve --workers 4` (a scratch SQLite store)
and from two `serve` replicas sharing one Redis, to a real receiver on loopback: every change
delivered exactly once per subscription, in order, whichever worker or replica answered the PUT.
Subscriptions are made and presence changed with the official Python SDK."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import COMMAND, serving
from tests.support.login import sdk_platform
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name

SUBS = "/restapi/v1.0/subscription"
CHANGES = 24


@pytest.fixture(scope="module")
def credentials() -> dict[str, Any]:
    printed = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    return json.loads(printed.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def users(platform: Any) -> list[str]:
    """IDs of the first account's visible users (the administrator may change them)."""
    page = platform.get("/restapi/v1.0/account/~/presence", {"perPage": 60}).json_dict()
    return [
        str(r["extension"]["id"])
        for r in page["records"]
        if "userStatus" in r and r.get("allowSeeMyPresence", True)
    ][:6]


def subscribe(platform: Any, address: str) -> str:
    body = {
        "eventFilters": ["/restapi/v1.0/account/~/presence?detailedTelephonyState=true"],
        "deliveryMode": {"transportType": "WebHook", "address": address},
    }
    return str(platform.post(SUBS, body).json_dict()["id"])


def change_presence(platforms: list[Any], ids: list[str]) -> None:
    """CHANGES PUTs, each a real change, spread over the servers (and their workers)."""
    for n in range(CHANGES):
        platform = platforms[n % len(platforms)]
        ext = ids[n % len(ids)]
        status = ("Busy", "Available", "Offline")[(n // len(ids)) % 3]
        path = f"/restapi/v1.0/account/~/extension/{ext}/presence"
        platform.put(path, {"userStatus": status})


def assert_exactly_once(hook: WebhookReceiver, subscriptions: list[str], expected: int) -> None:
    deliveries = hook.wait_for_count(expected, timeout=30)
    time.sleep(1.5)  # anything delivered twice would arrive by now
    got = [d.json for d in hook.deliveries]
    keys = Counter(
        (e["subscriptionId"], e["body"]["extensionId"], e["body"]["sequence"]) for e in got
    )
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    assert len(got) == expected == len(deliveries)
    assert {e["subscriptionId"] for e in got} == set(subscriptions)
    for subscription in subscriptions:  # in order per subscription and extension
        for ext in {e["body"]["extensionId"] for e in got}:
            sequences = [
                e["body"]["sequence"]
                for e in got
                if e["subscriptionId"] == subscription and e["body"]["extensionId"] == ext
            ]
            assert sequences == sorted(sequences)


def baseline(platform: Any, ids: list[str]) -> None:
    """Put each user in a known state first, so every later PUT is a change."""
    for ext in ids:
        platform.put(f"/restapi/v1.0/account/~/extension/{ext}/presence", {"userStatus": "Offline"})


def test_four_workers_deliver_each_webhook_once(
    tmp_path: Path, credentials: dict[str, Any], hook: WebhookReceiver
) -> None:
    with serving(tmp_path, "--workers", "4") as url:
        platform = sdk_platform(url, credentials)
        ids = users(platform)
        baseline(platform, ids)
        subscriptions = [subscribe(platform, hook.url) for _ in range(3)]
        # One SDK client per PUT stream: new connections land on different workers.
        platforms = [sdk_platform(url, credentials) for _ in range(4)]
        change_presence(platforms, ids)
        assert_exactly_once(hook, subscriptions, CHANGES * len(subscriptions))
        journal = requests.get(f"{url}/_mock/events", timeout=5).json()["records"]
        assert len(journal) == CHANGES * len(subscriptions)
        assert all(e["delivered"] and e["status"] == 200 for e in journal)


def test_two_replicas_on_redis_deliver_each_webhook_once(
    tmp_path: Path,
    credentials: dict[str, Any],
    hook: WebhookReceiver,
    redis_server: str,  # noqa: F811
) -> None:
    store = f"{redis_server}/9"
    import redis

    redis.Redis.from_url(store).flushdb()
    options = ("--workers", "2", "--store", store)
    with serving(tmp_path, *options) as first, serving(tmp_path, *options) as second:
        one, two = sdk_platform(first, credentials), sdk_platform(second, credentials)
        ids = users(one)
        baseline(one, ids)
        subscriptions = [subscribe(one, hook.url), subscribe(two, hook.url)]
        # Each replica lists both: they share the store.
        assert len(two.get(SUBS).json_dict()["records"]) == 2
        change_presence([one, two], ids)
        assert_exactly_once(hook, subscriptions, CHANGES * len(subscriptions))
