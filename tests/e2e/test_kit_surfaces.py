"""Kit surfaces: a server that serves only the presence operations is judged on those alone
(`--presence-surface presence`, `presence-mock contract --surface presence`), every broken
presence rule is still caught, and the summary says what was left out and why."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.cli.main import demo_login
from mockserver.config import Settings
from tests.support.broken_servers import KIT_BREAKS, BrokenEmulator, serving, serving_wsgi
from tests.support.live_server import COMMAND
from tests.support.presence_only import presence_only_app

DEMO = demo_login(Settings())
PRESENCE_BREAKS = [(kind, lines) for kind, surface, lines in KIT_BREAKS if surface == "presence"]


def run_kit(pytester: pytest.Pytester, target: str, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--pyargs", "presence_mock_kit", "-p", "no:cacheprovider", "-p", "no:randomly",
        "--presence-target", target,
        "--presence-client-id", DEMO["clientId"],
        "--presence-client-secret", DEMO["clientSecret"],
        "--presence-jwt", DEMO["jwt"],
        *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def presence_only() -> Iterator[str]:
    with serving_wsgi(presence_only_app()) as url:
        yield url


def test_presence_only_server_passes_the_presence_surface(
    pytester: pytest.Pytester, presence_only: str
) -> None:
    result = run_kit(
        pytester, presence_only, "--presence-surface", "presence", "--presence-allow-writes"
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=35, deselected=12)
    result.stdout.fnmatch_lines(
        [
            "*presence contract summary*",
            "not judged: queues (1 case), unified (1 case), directory (4 cases), calls (1 case), "
            "subscriptions (5 cases): not in --presence-surface presence",
        ]
    )


def test_presence_only_server_fails_the_whole_kit(
    pytester: pytest.Pytester, presence_only: str
) -> None:
    """The server is what it says: the other surfaces find it wanting."""
    result = run_kit(pytester, presence_only)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    for surface in ("queues", "unified", "directory", "calls", "subscriptions"):
        alone = run_kit(pytester, presence_only, "--presence-surface", surface)
        assert alone.ret == pytest.ExitCode.TESTS_FAILED, (surface, alone.stdout.str())


@pytest.fixture
def broken(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(BrokenEmulator(request.param)) as url:
        yield url


@pytest.mark.parametrize(
    ("broken", "lines"),
    PRESENCE_BREAKS,
    indirect=["broken"],
    ids=[kind for kind, _ in PRESENCE_BREAKS],
)
def test_the_presence_surface_still_catches_each_broken_presence_rule(
    pytester: pytest.Pytester, broken: str, lines: list[str]
) -> None:
    result = run_kit(pytester, broken, "--presence-surface", "presence", "--presence-allow-writes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(lines)


def test_every_presence_break_is_judged_with_the_surface() -> None:
    assert len(PRESENCE_BREAKS) >= 14  # the table is not silently emptied


def test_the_summary_names_each_skipped_group_and_why(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "presence_mock_kit", "-p", "no:cacheprovider", "--presence-surface",
        "presence,subscriptions",
    )  # fmt: skip
    result.assert_outcomes(passed=34, skipped=6, deselected=7)
    result.stdout.fnmatch_lines_random(
        [
            "skipped: PUT /account/~/extension/{id}/presence (2 cases): read-only run: writes "
            "need --presence-allow-writes",
            "skipped: POST /subscription (WebHook) (3 cases): read-only run: writes need "
            "--presence-allow-writes",
            "skipped: WebHook presence events (1 case): read-only run: writes need "
            "--presence-allow-writes",
            "not judged: queues (1 case), unified (1 case), directory (4 cases), calls (1 case): "
            "not in --presence-surface presence,subscriptions",
        ]
    )


def test_an_unknown_surface_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "presence_mock_kit", "-p", "no:cacheprovider", "--presence-surface", "queus"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--presence-surface queus: unknown surface queus; expected*"])


def test_the_command_passes_pytest_options_after_a_double_dash(
    presence_only: str, tmp_path: Path
) -> None:
    report = tmp_path / "kit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RINGCENTRAL_", "PRESENCE_"))}
    done = subprocess.run(
        [
            COMMAND, "contract", "--target", presence_only, "--surface", "presence",
            "--", "-k", "batch", "-x", "--junitxml", str(report), "-rs",
        ],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deselected" in done.stdout
    assert 'testsuite name="pytest"' in report.read_text()
    assert "test_paging" not in report.read_text()  # -k batch reached pytest
