"""The `presence_mock` and `presence_mock_server` pytest fixtures, for client test suites
(`pip install -e ".[contract]"`).

Registered through the `pytest11` entry point, so it is loaded by every pytest run: importing
this module must stay cheap and import nothing heavy; the emulator loads when a test asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.inprocess.mock import PresenceMock
    from mockserver.inprocess.served import ServedPresenceMock


MARKER = "presence_mock"
SERVER_MARKER = "presence_mock_server"
SERVER_ARGS = "presence_mock_server_args"
SERVER_TIMEOUT = "presence_mock_server_timeout"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        SERVER_ARGS,
        "extra options of `presence-mock serve` for the presence_mock_server fixture, e.g. "
        "--seed 7 --workers 1",
        default="",
    )
    parser.addini(
        SERVER_TIMEOUT, "seconds presence_mock_server waits for serve to answer", default="60"
    )
    parser.addoption(
        "--presence-mock-server-args",
        metavar="ARGS",
        help=f"extra options of `presence-mock serve` for presence_mock_server (wins over the "
        f"{SERVER_ARGS} ini option)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): shape the presence_mock fixture for this test; options are those "
        "of mockserver.PresenceMock (seed, extensions, fixture, strict_requests, rate_limits, "
        "rate_limit, passthrough, base_urls, log, snapshot, responses) and expect_refused",
    )
    config.addinivalue_line(
        "markers",
        f"{SERVER_MARKER}(args): options of `presence-mock serve` for the session's "
        "presence_mock_server (every test that uses it must ask for the same; one server "
        "serves the session)",
    )


@pytest.fixture
def presence_mock(request: pytest.FixtureRequest) -> Iterator[PresenceMock]:
    """The emulator in process at https://platform.ringcentral.com (and the devtest sandbox).

    Shape it per test with `@pytest.mark.presence_mock(seed=7, strict_requests=True,
    passthrough=["http://127.0.0.1:5000"])` (the options of `PresenceMock`); a marker on a class
    or module applies to each test, the closest one wins.
    At teardown the test fails when the client sent a request the platform would refuse (a
    request-rule violation or a 400); set `presence_mock.expect_refused = True` (or the marker's
    `expect_refused=True`) to test that.
    """
    from mockserver.inprocess.mock import PresenceMock

    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    if marker and marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword options only")
    expect_refused = bool(options.pop("expect_refused", False))
    mock = PresenceMock(**options)
    mock.expect_refused = expect_refused
    with mock:
        yield mock
    refused = mock.refused()
    if refused and not mock.expect_refused:
        pytest.fail(refusal_report(refused), pytrace=False)


def refusal_report(entries: list[dict[str, Any]]) -> str:
    lines = [f"presence_mock: the client sent {len(entries)} request(s) the platform would refuse:"]
    for entry in entries:
        query = "&".join(f"{k}={v}" for k, values in entry["query"].items() for v in values)
        target = entry["path"] + (f"?{query}" if query else "")
        lines.append(f"  {entry['method']} {target} -> {entry['status']}")
        for problem in entry["problems"]:
            lines.append(
                f"    {problem['parameter']}: {problem['rule']}: found {problem['found']!r}"
                f" ({problem['message']})"
            )
    return "\n".join(lines)


@pytest.fixture(scope="session")
def presence_mock_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedPresenceMock]:
    """A real `presence-mock serve` for the session, on free loopback ports.

    Gives `url` (the REST base URL), `gateway_url`, `websocket_url`, `board_url`,
    `credentials` (clientId, clientSecret, jwt) and `reset()`. Options of `serve` come from
    `--presence-mock-server-args`, else a `@pytest.mark.presence_mock_server(args=...)` marker
    (on the tests, a class or a module: all that use the server must agree), else the
    `presence_mock_server_args` ini option; PRESENCE_MOCK_* variables apply as they do to
    `serve`. The server and everything it started are stopped at
    the end of the session, whatever the tests did.
    """
    from mockserver.inprocess.served import ServerDidNotStart, start

    config = request.config
    try:
        marked = _marked_args(request.session)
    except ValueError as error:
        pytest.fail(str(error), pytrace=False)
    args = (
        config.getoption("presence_mock_server_args") or marked or str(config.getini(SERVER_ARGS))
    )
    try:
        timeout = float(str(config.getini(SERVER_TIMEOUT)))
    except ValueError:
        pytest.fail(f"{SERVER_TIMEOUT}: expected a number of seconds", pytrace=False)
    try:
        server = start(tmp_path_factory.mktemp("presence-mock-server"), args, timeout)
    except ServerDidNotStart as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def _marked_args(session: pytest.Session) -> str | None:
    """The `args` the tests that use presence_mock_server ask for with its marker; None when
    none does. Two different asks are a usage error: one server serves the whole session."""
    asked: dict[str, list[str]] = {}
    for item in session.items:
        if SERVER_MARKER not in getattr(item, "fixturenames", ()):
            continue
        marker = item.get_closest_marker(SERVER_MARKER)
        if marker is None:
            continue
        if marker.args or set(marker.kwargs) - {"args"}:
            raise ValueError(f"@pytest.mark.{SERVER_MARKER} takes args=... only")
        asked.setdefault(str(marker.kwargs.get("args", "")), []).append(item.nodeid)
    if len(asked) > 1:
        raise ValueError(
            f"@pytest.mark.{SERVER_MARKER}: the tests ask for different options "
            f"({'; '.join(repr(a) for a in asked)}), but one server serves the session"
        )
    return next(iter(asked), None)
