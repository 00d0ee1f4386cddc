"""The `presence_mock` pytest fixture, for client test suites (`pip install -e ".[contract]"`).

Registered through the `pytest11` entry point, so it is loaded by every pytest run: importing
this module must stay cheap and import nothing heavy; the emulator loads when a test asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.inprocess.mock import PresenceMock


MARKER = "presence_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): shape the presence_mock fixture for this test; options are those "
        "of mockserver.PresenceMock (seed, extensions, fixture, strict_requests, rate_limits, "
        "rate_limit, passthrough, base_urls, log, snapshot) and expect_refused",
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
