"""Fixtures and the summary of the kit; loaded only when `presence_mock_kit` is collected."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .client import ContractError, Target
from .findings import Ledger, Verdict
from .masking import url_without_userinfo
from .pacing import Pacer
from .plugin import ENV, flag
from .surfaces import SURFACES, parse_surfaces, surface_of
from .targets import target_problem

_CONFIG: list[pytest.Config] = []  # pytest_runtest_logreport is not given the config
INPROCESS = "inprocess"
INPROCESS_URL = "https://platform.ringcentral.com"
_ENDPOINT_KEY = pytest.StashKey[dict[str, str]]()
_OUTCOMES_KEY = pytest.StashKey[dict[str, Counter[str]]]()
_LEDGER_KEY = pytest.StashKey[Ledger]()
_TARGET_KEY = pytest.StashKey[str]()
_SERVER_KEY = pytest.StashKey[Target]()
_MOCK_KEY = pytest.StashKey[Any]()  # the in-process PresenceMock, when the target is inprocess
_LEFT_OUT_KEY = pytest.StashKey[Counter[str]]()  # surface -> cases not asked for
_SKIPS_KEY = pytest.StashKey[dict[str, Counter[str]]]()  # endpoint -> skip reason -> cases
_UNUSABLE_KEY = pytest.StashKey[str]()  # why the target cannot be judged at all
HERE = Path(__file__).parent
USAGE = 2  # the exit status of a run that could not start: no cases, one reason


def pytest_configure(config: pytest.Config) -> None:
    # Historic hook: called even though this conftest loads during collection.
    _CONFIG[:] = [config]
    config.addinivalue_line("markers", "endpoint(name): the endpoint a contract case judges")
    config.stash[_ENDPOINT_KEY] = {}
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    config.stash[_OUTCOMES_KEY] = outcomes
    config.stash[_LEDGER_KEY] = Ledger()
    config.stash[_LEFT_OUT_KEY] = Counter()
    skips: dict[str, Counter[str]] = defaultdict(Counter)
    config.stash[_SKIPS_KEY] = skips


class Unusable(Exception):
    """The target cannot be judged at all; the message is one line a person can act on."""


def surfaces(config: pytest.Config) -> tuple[str, ...]:
    try:
        return parse_surfaces(config.getoption("presence_surface"), flag(config, "surface"))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"presence_{name}")
    return value or os.environ.get(ENV[name]) or None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session")
def allow_writes(pytestconfig: pytest.Config) -> bool:
    return bool(pytestconfig.getoption("presence_allow_writes"))


def connect(config: pytest.Config) -> Target:
    """The target, logged in; `Unusable` with one clear line when it cannot be (not a URL,
    unreachable, not a RingCentral API, login refused): every case would fail the same way."""
    where = option(config, "target") or INPROCESS
    problem = target_problem(where, flag(config, "target"))
    if problem:
        raise Unusable(problem)
    config.stash[_TARGET_KEY] = url_without_userinfo(where)
    given = {name: option(config, name) for name in ("client_id", "client_secret", "jwt")}
    if where == INPROCESS:
        from mockserver.inprocess import PresenceMock  # the emulator only for this target

        mock = PresenceMock(INPROCESS_URL, log=False).start()
        config.stash[_MOCK_KEY] = mock
        given = {
            "client_id": given["client_id"] or mock.credentials["clientId"],
            "client_secret": given["client_secret"] or mock.credentials["clientSecret"],
            "jwt": given["jwt"] or mock.credentials["jwt"],
        }
        where = INPROCESS_URL
    missing = [ENV[name] for name, value in given.items() if not value]
    if missing:
        flags = "/".join(flag(config, name) for name in ("client-id", "client-secret", "jwt"))
        raise Unusable(
            f"the kit needs credentials for {url_without_userinfo(where)}: set "
            f"{', '.join(missing)} or pass {flags}"
        )
    pace = config.getoption("presence_pace")
    paced = pace == "on" or (pace == "auto" and where != INPROCESS_URL and not is_loopback(where))
    server = Target(
        where,
        given["client_id"] or "",
        given["client_secret"] or "",
        given["jwt"] or "",
        Pacer(enabled=paced),
    )
    try:
        server.login()
    except ContractError as error:
        raise Unusable(str(error)) from None
    config.stash[_SERVER_KEY] = server
    return server


def pytest_collection_finish(session: pytest.Session) -> None:
    # Log in once, before any case runs: a dead port or a wrong login is one line, not one
    # error per case. Only when a case of the kit is about to run.
    config = session.config
    if config.option.collectonly or not any(_is_ours(item) for item in session.items):
        return
    try:
        connect(config)
    except Unusable as error:
        # One line and status 2, no case run: not pytest's interruption report.
        config.stash[_UNUSABLE_KEY] = f"presence contract: {error}"
        session.items[:] = []
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(config.stash[_UNUSABLE_KEY], red=True, bold=True)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _UNUSABLE_KEY in config.stash:
        session.exitstatus = USAGE
    server = config.stash.get(_SERVER_KEY, None)
    if server is not None:
        with contextlib.suppress(ContractError):
            server.logout()
    mock = config.stash.get(_MOCK_KEY, None)
    if mock is not None:
        mock.stop()


def _is_ours(item: pytest.Item) -> bool:
    return item.path.is_relative_to(HERE)


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    found = pytestconfig.stash.get(_SERVER_KEY, None)
    if found is not None:
        return found
    try:
        return connect(pytestconfig)
    except Unusable as error:
        pytest.exit(f"presence contract: {error}", returncode=USAGE)


@pytest.fixture
def verdict(request: pytest.FixtureRequest, target: Target) -> Verdict:
    """The findings of one case, for the endpoint its marker names; the case calls settle()."""
    return Verdict(_endpoint_of(request.node), target.masker, request.config.stash[_LEDGER_KEY])


def _endpoint_of(item: pytest.Item) -> str:
    marker = item.get_closest_marker("endpoint")
    return str(marker.args[0]) if marker else "other"


# -- the summary table ---------------------------------------------------------------------------
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chosen = surfaces(config)
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        surface = surface_of(_endpoint_of(item)) if _is_ours(item) else None
        if surface is None or surface in chosen:
            kept.append(item)
        else:
            left_out.append(item)
            config.stash[_LEFT_OUT_KEY][surface] += 1
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
    endpoints = config.stash.get(_ENDPOINT_KEY, None)
    if endpoints is not None:
        endpoints.update({item.nodeid: _endpoint_of(item) for item in items})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    config = _CONFIG[0] if _CONFIG else None
    if config is None:
        return
    endpoint = config.stash[_ENDPOINT_KEY].get(report.nodeid)
    if endpoint is None:
        return
    counts = config.stash[_OUTCOMES_KEY][endpoint]
    if report.when == "call" or (report.when == "setup" and not report.passed):
        counts[report.outcome] += 1
        if report.skipped:
            config.stash[_SKIPS_KEY][endpoint][_skip_reason(report)] += 1
    elif report.when == "teardown" and report.failed:
        counts["failed"] += 1


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    outcomes = config.stash.get(_OUTCOMES_KEY, {})
    if not outcomes:
        return
    ledger = config.stash[_LEDGER_KEY]
    write = terminalreporter.write_line
    terminalreporter.section("presence contract summary")
    write(f"target: {config.stash.get(_TARGET_KEY, '?')}")
    names = sorted(set(outcomes) | set(ledger.warnings))
    width = max(len(n) for n in names)
    write(f"{'endpoint'.ljust(width)}  passed  failed  skipped  warnings")
    for name in names:
        counts = outcomes.get(name, Counter())
        warned = len(ledger.warnings.get(name, []))
        write(
            f"{name.ljust(width)}  {counts['passed']:>6}  {counts['failed']:>6}"
            f"  {counts['skipped']:>7}  {warned:>8}"
        )
    for name in names:
        for text in ledger.warnings.get(name, []):
            write(f"warning: {name}: {text}")
    for name, reasons in sorted(config.stash[_SKIPS_KEY].items()):
        for reason, cases in reasons.items():
            write(f"skipped: {name} ({_cases(None, cases)}): {reason}")
    left_out = config.stash[_LEFT_OUT_KEY]
    if left_out:
        asked = ",".join(surfaces(config))
        groups = ", ".join(_cases(name, left_out[name]) for name in SURFACES if name in left_out)
        write(f"not judged: {groups}: not in {flag(config, 'surface')} {asked}")


def _cases(name: str | None, count: int) -> str:
    counted = f"{count} case{'s' if count != 1 else ''}"
    return f"{name} ({counted})" if name else counted


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "skipped"


@pytest.fixture(scope="session")
def extension_ids(target: Target) -> list[str]:
    """The IDs of the account's extensions, in listing order (one call, perPage=1000)."""
    answer = target.get("/restapi/v1.0/account/~/presence", {"perPage": "1000"})
    if answer.status != 200:
        pytest.fail(f"cannot list the account: {answer.described()}", pytrace=False)
    return [str(r["extension"]["id"]) for r in answer.json().get("records", [])]


@pytest.fixture(scope="session")
def some_ids(extension_ids: list[str]) -> list[str]:
    """2..3 IDs for batch reads; `~` makes up the pair on a one-extension account."""
    chosen = extension_ids[:3]
    return chosen if len(chosen) >= 2 else [*chosen, "~"]
