"""The contract kit judged by running it: it passes on the emulator and fails, saying why, on
servers that each break one rule (tests/support/broken_servers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver.cli.main import demo_login
from mockserver.config import Settings
from tests.support.broken_servers import KIT_BREAKS, BrokenEmulator, serving

DEMO = demo_login(Settings())


def run_kit(pytester: pytest.Pytester, target: str, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--pyargs",
        "presence_mock_kit",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--presence-target",
        target,
        "--presence-client-id",
        DEMO["clientId"],
        "--presence-client-secret",
        DEMO["clientSecret"],
        "--presence-jwt",
        DEMO["jwt"],
        *extra,
    )


@pytest.fixture
def broken(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(BrokenEmulator(request.param)) as url:
        yield url


def test_kit_passes_in_process_with_writes(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "presence_mock_kit", "-p", "no:cacheprovider", "--presence-allow-writes"
    )
    result.assert_outcomes(passed=47)
    result.stdout.fnmatch_lines(["*presence contract summary*", "target: inprocess"])
    result.stdout.re_match_lines([r"PUT /account/~/extension/\{id\}/presence\s+2\s+0\s+0\s+0"])


def test_kit_is_read_only_by_default(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "presence_mock_kit", "-p", "no:cacheprovider", "-rs"
    )
    result.assert_outcomes(passed=41, skipped=6)
    result.stdout.fnmatch_lines(["*read-only run: writes need --presence-allow-writes*"])


def test_plugin_does_nothing_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own(): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "presence contract" not in result.stdout.str()


BREAKS = [(kind, lines) for kind, _, lines in KIT_BREAKS]


@pytest.mark.parametrize(
    ("broken", "lines"), BREAKS, indirect=["broken"], ids=[kind for kind, _ in BREAKS]
)
def test_kit_fails_on_a_broken_server_saying_why(
    pytester: pytest.Pytester, broken: str, lines: list[str]
) -> None:
    result = run_kit(pytester, broken, "--presence-allow-writes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(lines)
    result.stdout.fnmatch_lines(["*presence contract summary*"])


@pytest.mark.parametrize("broken", ["leaks-token"], indirect=True)
def test_kit_never_prints_a_secret_or_token(pytester: pytest.Pytester, broken: str) -> None:
    result = run_kit(pytester, broken, "-v", "-l")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # The echoed token, masked where it is quoted (and cut short there: it is long).
    assert "found: 'Bearer ***" in output
    for secret in (DEMO["clientSecret"], DEMO["jwt"]):
        assert secret not in output
    assert "Bearer " + "x" * 4 not in output
    tokens = [word for word in output.split() if len(word) > 30 and word.isalnum()]
    assert tokens == []  # no long opaque strings (tokens are 40+ characters) anywhere


@pytest.mark.parametrize("broken", ["fair"], indirect=True)
def test_kit_warns_but_passes_on_platform_style(pytester: pytest.Pytester, broken: str) -> None:
    result = run_kit(pytester, broken)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*warning: GET /account/~/extension/{id}/presence: $.newPlatformField:"
            " a field the schema presence-info-response does not declare",
            "*date-time in the platform's style*+0000*",
        ]
    )


def test_the_in_process_run_keeps_the_emulator_log_out_of_the_report(
    pytester: pytest.Pytester,
) -> None:
    # -rP prints each passed case's captured output and log: the emulator's must not be there.
    result = pytester.runpytest_subprocess(
        "--pyargs", "presence_mock_kit", "-p", "no:cacheprovider", "-rP", "--log-level", "INFO"
    )
    result.assert_outcomes(passed=41, skipped=6)
    output = result.stdout.str()
    assert "/restapi/oauth/token" not in output.replace("POST https://", "")
    assert "ms ok" not in output  # the end of an emulator log line
