"""CLI edges: --version, one line and exit 2 for every bad flag or variable, unknown
PRESENCE_MOCK_ variables named, the request log line (masked, escaped, verdict, error code),
JSON logs, and a first log line that reads as news, not as a warning."""

from __future__ import annotations

import pytest

from mockserver.cli.main import main


def run(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse's own exits (--version, --help, a bad flag)
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def test_version(capsys):
    code, said = run(capsys, "--version")
    assert code == 0
    assert said.startswith("presence-mock ") and said.strip() != "presence-mock unknown"


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["serve", "--port", "99999"], "--port: 99999: expected a port number 0..65535"),
        (["serve", "--port", "http"], "--port: 'http': expected a whole number"),
        (["serve", "--workers", "0"], "--workers / PRESENCE_MOCK_WORKERS 0: expected 1 or more"),
        (["serve", "--extensions", "10"], "50..100,000"),
        (["serve", "--log-format", "xml"], "invalid choice: 'xml'"),
        (["serve", "--rate-limits", "always"], "invalid choice: 'always'"),
        (["serve", "--rate-limit", "heavy=x"], "rate limit 'heavy=x'"),
        (["serve", "--store", "mongodb://x"], "unsupported store URL"),
        (["serve", "--bogus"], "unrecognized arguments: --bogus"),
        (["contract", "--pace", "fast"], "invalid choice: 'fast'"),
        (["launch"], "invalid choice: 'launch'"),
    ],
)
def test_every_bad_flag_is_one_line_and_exit_2(capsys, argv, expected):
    code, said = run(capsys, *argv)
    assert code == 2
    assert expected in said
    assert len(said.strip().splitlines()) == 1, said
    assert "Traceback" not in said


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("PRESENCE_MOCK_PORT", "99999", "PRESENCE_MOCK_PORT 99999"),
        ("PRESENCE_MOCK_PORT", "eighty", "PRESENCE_MOCK_PORT='eighty'"),
        ("PRESENCE_MOCK_WORKERS", "-1", "PRESENCE_MOCK_WORKERS -1"),
        ("PRESENCE_MOCK_LOG_LEVEL", "loud", "PRESENCE_MOCK_LOG_LEVEL 'loud'"),
        ("PRESENCE_MOCK_LOG_FORMAT", "xml", "PRESENCE_MOCK_LOG_FORMAT 'xml'"),
        ("PRESENCE_MOCK_RATE_LIMITS", "sometimes", "PRESENCE_MOCK_RATE_LIMITS 'sometimes'"),
        ("PRESENCE_MOCK_STRICT_REQUESTS", "maybe", "PRESENCE_MOCK_STRICT_REQUESTS='maybe'"),
        ("PRESENCE_MOCK_PACE", "fast", "PRESENCE_MOCK_PACE 'fast'"),
    ],
)
def test_every_bad_variable_is_one_line_and_exit_2(capsys, monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    command = "contract" if name == "PRESENCE_MOCK_PACE" else "serve"
    code, said = run(capsys, command)
    assert code == 2
    assert expected in said
    assert len(said.strip().splitlines()) == 1, said


def test_an_unknown_variable_is_named_with_the_closest_known_one(capsys, monkeypatch):
    monkeypatch.setenv("PRESENCE_MOCK_PORTT", "9000")
    monkeypatch.setenv("PRESENCE_MOCK_NOTHING_LIKE_IT", "1")
    code, said = run(capsys, "credentials")
    assert code == 0
    lines = [line for line in said.splitlines() if "unknown variable" in line]
    assert lines == [
        "presence-mock: ignoring unknown variable PRESENCE_MOCK_NOTHING_LIKE_IT",
        "presence-mock: ignoring unknown variable PRESENCE_MOCK_PORTT; "
        "did you mean PRESENCE_MOCK_PORT?",
    ]


def test_the_contract_twins_are_known(capsys, monkeypatch):
    monkeypatch.setenv("PRESENCE_MOCK_TARGET", "inprocess")
    _, said = run(capsys, "credentials")
    assert "unknown variable" not in said


def test_help_gives_the_extension_bounds(capsys):
    code, said = run(capsys, "serve", "--help")
    assert code == 0
    assert "50..100,000" in " ".join(said.split())
