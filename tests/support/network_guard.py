"""Nothing a test run does may look up a name or open a connection off this machine.

A pytest plugin (tests/conftest.py loads it). It installs the loopback guard
(guard_site/loopback_guard.py) in the test process and, through the environment every child
inherits (PYTHONPATH with guard_site's sitecustomize, NODE_OPTIONS with its Node twin), in every
Python and Node process the tests start: servers, their workers, the CLI, the JavaScript SDK.
Explicit `env=` mappings given to subprocess get the same variables added. A test during which
any process of the run was stopped going off the machine fails, naming the call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from tests.support.guard_site.loopback_guard import (
    LOG_VARIABLE,
    child_environment,
    install,
    violations,
)

_state: dict[str, Any] = {}


def pytest_configure(config: pytest.Config) -> None:
    if LOG_VARIABLE in _state:
        return  # a pytest run in process by a test (pytester): the outer run's guard holds
    inherited = os.environ.get(LOG_VARIABLE)  # a pytest started by a test: its parent's log
    log = Path(inherited) if inherited else _new_log()
    _state[LOG_VARIABLE] = log
    _state["offset"] = log.stat().st_size if log.exists() else 0
    os.environ.update(child_environment(log))
    install()
    _guard_explicit_environments()


def _new_log() -> Path:
    descriptor, name = tempfile.mkstemp(prefix="loopback-guard-", suffix=".jsonl")
    os.close(descriptor)
    return Path(name)


def _guard_explicit_environments() -> None:
    """A child given an `env=` of its own (a clean environment, say) is guarded all the same."""
    original = subprocess.Popen.__init__

    def init(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        env = kwargs.get("env")
        if env is not None:
            log = Path(env.get(LOG_VARIABLE) or _state[LOG_VARIABLE])
            kwargs["env"] = {**env, **child_environment(log, env)}
        original(self, *args, **kwargs)

    subprocess.Popen.__init__ = init  # type: ignore[method-assign]


def _take() -> list[dict[str, Any]]:
    log: Path | None = _state.get(LOG_VARIABLE)
    if log is None:
        return []
    found, _state["offset"] = violations(log, _state["offset"])
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "setup" and not report.passed:
        return report
    found = _take()
    if found and not report.failed:
        report.outcome = "failed"
        listed = "\n".join(
            f"  pid {v['pid']} {' '.join(v['argv'])}: {v['call']}({v['target']})" for v in found
        )
        report.longrepr = (
            f"the loopback guard stopped {len(found)} lookup(s) or connect(s) off this "
            f"machine during this test:\n{listed}"
        )
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    late = _take()
    if late:
        for v in late:
            sys.stderr.write(f"loopback guard, after the last test: {v}\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
