"""Several workers and several replicas agree: real `serve` processes on loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.support.live_server import serving
from tests.support.login import login_session
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture used by name
from tests.support.seed import PRESENCE, user_ids


@pytest.fixture(scope="module")
def four_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(
        tmp_path_factory.mktemp("workers"), "--workers", "4", "--extensions", "300"
    ) as url:
        yield url


def read_many(get: Callable[[str], requests.Response], path: str, times: int) -> list[dict]:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: get(path), range(times)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    return [a.json() for a in answers]


def test_a_put_through_one_worker_is_read_by_every_worker(four_workers: str) -> None:
    session = login_session(four_workers)
    target = user_ids(300)[3]
    path = four_workers + PRESENCE.format(target)
    seed = session.get(path, timeout=10).json()
    changed = "Busy" if seed["userStatus"] != "Busy" else "Available"
    put = session.put(path, json={"userStatus": changed, "message": "one PUT"}, timeout=10)
    assert put.status_code == 200, put.text
    for body in read_many(lambda p: session.get(p, timeout=10), path, 40):
        assert (body["userStatus"], body.get("message")) == (changed, "one PUT")

    assert requests.post(f"{four_workers}/_mock/reset", timeout=10).status_code == 200
    for body in read_many(lambda p: session.get(p, timeout=10), path, 40):
        assert (body["userStatus"], body.get("message")) == (
            seed["userStatus"],
            seed.get("message"),
        )


def test_200_concurrent_puts_to_distinct_users_lose_none(four_workers: str) -> None:
    session = login_session(four_workers)
    targets = user_ids(300)[:200]
    assert len(targets) == 200

    def put(extension_id: int) -> int:
        body = {"message": f"note {extension_id}"}
        url = four_workers + PRESENCE.format(extension_id)
        return session.put(url, json=body, timeout=30).status_code

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(put, targets)) == {200}
    for extension_id in targets:
        body = session.get(four_workers + PRESENCE.format(extension_id), timeout=10).json()
        assert body.get("message") == f"note {extension_id}", extension_id
    requests.post(f"{four_workers}/_mock/reset", timeout=10).raise_for_status()


def test_every_worker_writes_to_one_journal_and_a_reset_clears_it_for_all(
    four_workers: str,
) -> None:
    session = login_session(four_workers)
    requests.post(f"{four_workers}/_mock/reset", timeout=10).raise_for_status()
    marker = "/restapi/v1.0/account/~/presence"
    read_many(lambda path: session.get(four_workers + path, timeout=10), marker + "?page=1", 40)
    session.get(four_workers + marker, params={"perPage": "-5"}, timeout=10)  # a violation
    for _ in range(4):  # whichever worker answers, it reads the one journal
        entries = requests.get(f"{four_workers}/_mock/requests", timeout=10).json()["records"]
        assert len(entries) == 41
        violations = requests.get(f"{four_workers}/_mock/violations", timeout=10).json()["records"]
        assert [v["query"] for v in violations] == [{"perPage": ["-5"]}]
    requests.post(f"{four_workers}/_mock/reset", timeout=10).raise_for_status()
    for _ in range(4):
        assert requests.get(f"{four_workers}/_mock/requests", timeout=10).json() == {"records": []}


def test_two_replicas_share_one_redis(redis_server: str, tmp_path: Path) -> None:  # noqa: F811
    store = f"{redis_server}/15"
    import redis

    redis.Redis.from_url(store).flushdb()
    with (
        serving(tmp_path, "--workers", "2", "--store", store) as first,
        serving(tmp_path, "--workers", "1", "--store", store) as second,
    ):
        session = login_session(first)  # the token is issued by the first replica only
        target = user_ids(60)[5]
        put = session.put(first + PRESENCE.format(target), json={"message": "from A"}, timeout=10)
        assert put.status_code == 200, put.text
        for body in read_many(
            lambda p: session.get(p, timeout=10), second + PRESENCE.format(target), 10
        ):
            assert body.get("message") == "from A"
        # A reset through the second reaches the first.
        requests.post(f"{second}/_mock/reset", timeout=10).raise_for_status()
        again = session.get(first + PRESENCE.format(target), timeout=10).json()
        assert again.get("message") != "from A"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_stopped_server_has_written_every_request_line(tmp_path: Path, workers: str) -> None:
    # Lines are written in batches every 0.1 s (mockserver/scaleout/requestlog.py): stopping the
    # server right after a request must still write its line, on werkzeug and on gunicorn alike.
    marker = f"/restapi/v1.0/last-words-{workers}"
    with serving(tmp_path, "--workers", workers) as url:
        requests.get(url + marker, timeout=5)
    (log,) = tmp_path.glob("serve-*.log")
    assert [line for line in log.read_text().splitlines() if marker in line]
