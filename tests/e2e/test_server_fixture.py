"""The `presence_mock_server` fixture, used as a client test suite uses it (a pytester project):
a real `serve` for the session, the official SDK logging in to it, `reset()`, options from the
ini file, and nothing left running afterwards, even when a test failed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

PROJECT = """
import json

import requests
from ringcentral import SDK

RECORD = {record!r}
OWN = "/restapi/v1.0/account/~/extension/~/presence"


def test_the_sdk_logs_in_and_reset_restores(presence_mock_server):
    server = presence_mock_server
    with open(RECORD, "w") as sink:
        json.dump({{"pid": server.pid}}, sink)
    login = server.credentials
    platform = SDK(login["clientId"], login["clientSecret"], server.url).platform()
    platform.login(jwt=login["jwt"])
    before = platform.get(OWN).json_dict()["userStatus"]
    platform.put(OWN, {{"userStatus": "Busy" if before != "Busy" else "Available"}})
    assert platform.get(OWN).json_dict()["userStatus"] != before
    server.reset()
    assert platform.get(OWN).json_dict()["userStatus"] == before
    assert requests.get(server.gateway_url + "/_mock/health", timeout=5).status_code == 200
    assert server.websocket_url.startswith("ws://127.0.0.1:")
    assert server.board_url is None  # --no-board, from the ini file


def test_a_failing_test_in_the_same_session(presence_mock_server):
    assert presence_mock_server.url.startswith("http://127.0.0.1:")
    assert False, "this test fails on purpose"
"""


def group_members(group: int) -> list[int]:
    """Live processes of process group `group` (zombies are not running anything)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def assert_gone(group: int) -> None:
    # serve stops within the fixture's teardown; the kernel may take a moment to reap.
    deadline = time.monotonic() + 10
    while group_members(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert group_members(group) == [], f"left running: {group_members(group)}"


def test_a_session_server_for_the_sdk_stopped_even_after_a_failure(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    record = tmp_path / "server.json"
    pytester.makeini("[pytest]\npresence_mock_server_args = --workers 1 --no-board\n")
    pytester.makepyfile(test_client=PROJECT.format(record=str(record)))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*this test fails on purpose*"])
    pid = json.loads(record.read_text())["pid"]
    assert_gone(pid)  # serve, its worker and its gateway: one process group
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_server_that_cannot_start_is_one_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\npresence_mock_server_args = --workers 1 --fixture no-such-fixture.json\n"
    )
    pytester.makepyfile(test_client="def test_x(presence_mock_server):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*presence-mock serve stopped (status 2) before it answered:*", "*no-such-fixture.json*"]
    )
    assert "Traceback" not in result.stdout.str()


def test_the_command_line_option_wins_over_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npresence_mock_server_args = --fixture no-such-fixture.json\n")
    pytester.makepyfile(
        test_client="def test_x(presence_mock_server):\n"
        "    assert presence_mock_server.board_url is None\n"
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--presence-mock-server-args=--workers 1 --no-board"
    )
    result.assert_outcomes(passed=1)


def test_a_marker_gives_the_options_and_two_different_asks_are_refused(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\npresence_mock_server_args = --fixture no-such-fixture.json\n")
    pytester.makepyfile(
        test_client="import pytest\n"
        "pytestmark = pytest.mark.presence_mock_server(args='--workers 1 --no-board')\n"
        "def test_x(presence_mock_server):\n"
        "    assert presence_mock_server.board_url is None\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)  # the marker wins over the ini option
    pytester.makepyfile(
        test_other="import pytest\n"
        "@pytest.mark.presence_mock_server(args='--workers 1')\n"
        "def test_y(presence_mock_server):\n"
        "    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*the tests ask for different options*one server serves*"])
