"""The loopback guard fails a test that looks up a name or connects off this machine, whether
the test process, a Python child with a clean environment, or a Node child does it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.guard_site.loopback_guard import LOG_VARIABLE, NonLoopbackAccess, violations
from tests.support.paths import REPO

ROOT = REPO

INNER = """
import socket, subprocess, sys

import pytest


def guarded() -> None:
    # never let a lookup through if the guard is missing: fail instead of resolving
    if not getattr(socket, "_loopback_guard", False):
        pytest.fail("the loopback guard is not installed")


def test_resolves_example_com():
    guarded()
    try:
        socket.getaddrinfo("example.com", 80)
    except OSError:
        pass  # code that survives an unreachable host survives the guard: the test fails anyway


def test_a_child_with_a_clean_environment_resolves():
    guarded()
    code = (
        "import socket, sys\\n"
        "if not getattr(socket, '_loopback_guard', False): sys.exit(3)\\n"
        "try: socket.getaddrinfo('example.com', 443)\\n"
        "except OSError: pass\\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0


def test_connects_to_a_private_address():
    guarded()
    with socket.socket() as sock:
        try:
            sock.connect(("10.255.255.1", 9))
        except OSError:
            pass


def test_loopback_is_fine():
    guarded()
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert socket.getaddrinfo(None, 80, flags=socket.AI_PASSIVE)
"""


def test_a_test_that_goes_off_the_machine_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "inner-guard.jsonl"
    monkeypatch.setenv(LOG_VARIABLE, str(log))  # the inner run's stops are not this test's
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]]))
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess(
        "-p", "tests.support.network_guard", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        ["*loopback guard stopped 1 lookup(s)*", "*: getaddrinfo('example.com')"]
    )
    stopped, _ = violations(log, 0)
    calls = {(v["call"], v["target"]) for v in stopped}
    assert ("getaddrinfo", "'example.com'") in calls
    assert ("connect", "('10.255.255.1', 9)") in calls
    assert len({v["pid"] for v in stopped}) == 2  # the inner run and its clean-environment child


def test_the_test_process_is_guarded() -> None:
    assert getattr(socket, "_loopback_guard", False)
    with pytest.raises(NonLoopbackAccess):
        socket.gethostbyname("www.example.org")
    assert socket.gethostbyname("localhost").startswith("127.")
    # this stop was written to the run's log: take it back, or this very test would fail
    log = Path(os.environ[LOG_VARIABLE])
    lines = log.read_bytes().splitlines(keepends=True)
    assert json.loads(lines[-1])["target"] == "'www.example.org'"
    log.write_bytes(b"".join(lines[:-1]))
    import tests.support.network_guard as plugin

    plugin._state["offset"] = log.stat().st_size


def test_a_node_child_is_guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = shutil.which("node")
    assert node, "Node 20+ is needed by the JavaScript SDK test too"
    log = tmp_path / "node-guard.jsonl"
    monkeypatch.setenv(LOG_VARIABLE, str(log))
    script = (
        "const dns = require('dns');"
        "try { dns.lookup('example.com', () => {}); process.exit(0); }"
        "catch (e) { console.log(e.message); process.exit(7); }"
    )
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 7, done.stdout + done.stderr
    assert "loopback guard" in done.stdout
    stopped, _ = violations(log, 0)
    assert [v["call"] for v in stopped] == ["dns.lookup"]
