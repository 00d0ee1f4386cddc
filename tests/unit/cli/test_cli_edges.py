"""CLI edges of issue 11: --version, one line and exit 2 for every bad flag or variable, unknown
PRESENCE_MOCK_ variables named, the request log line (masked, escaped, verdict, error code),
JSON logs, and a first log line that reads as news, not as a warning."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from mockserver.cli.main import main
from tests.live_server import COMMAND, free_port, running


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


def _log_of(log_dir: Path, url: str) -> str:
    port = url.rsplit(":", 1)[1]
    return (log_dir / f"serve-{port}.log").read_text()


def _wait_for(log_dir: Path, url: str, needle: str) -> str:
    deadline = time.monotonic() + 5  # lines are written in batches every 0.1 s
    while time.monotonic() < deadline:
        text = _log_of(log_dir, url)
        if needle in text:
            return text
        time.sleep(0.05)
    return _log_of(log_dir, url)


def test_one_log_line_per_request_masked_escaped_with_verdict_and_code(tmp_path):
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1"]
    with running(command, port, tmp_path) as url:
        api = url + "/restapi/v1.0/account/~/presence"
        requests.get(api, params={"page": "0", "access_token": "s3cr3t-token"}, timeout=5)
        requests.get(url + "/restapi/v1.0/x%0d%0aGET%20/forged%20200", timeout=5)
        requests.post(
            url + "/restapi/oauth/token",
            params={"client_secret": "hush", "password": "pw"},
            data={"grant_type": "password"},
            timeout=5,
        )
        text = _wait_for(tmp_path, url, "/restapi/oauth/token")
    assert "s3cr3t-token" not in text and "hush" not in text and "=pw" not in text
    lines = text.splitlines()
    # The first lines say the emulator is serving: news, not a warning (issue 13: even one
    # worker shares a scratch store, with the gateway process).
    assert "sharing a scratch store" in lines[0]
    assert "serving on http://127.0.0.1:" in lines[1]
    [read] = [line for line in lines if "/account/~/presence" in line]
    # an unknown token: 401 OAU-213; page=0 breaks the request rules: the verdict says so
    assert " GET /restapi/v1.0/account/~/presence?page=0&access_token=*** 401 " in read
    assert read.endswith("ms violation OAU-213"), read
    [forged] = [line for line in lines if "forged" in line]
    assert "\\r\\nGET /forged 200" in forged and " 404 " in forged
    assert not any(line.startswith("GET /forged") for line in lines)
    [token] = [line for line in lines if "/restapi/oauth/token" in line]
    assert "client_secret=***&password=***" in token and " 400 " in token


def test_json_log_lines_and_the_log_level(tmp_path):
    port = free_port()
    env = {"PRESENCE_MOCK_LOG_FORMAT": "json"}
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1"]
    with running(command, port, tmp_path, env=env) as url:
        requests.get(url + "/restapi/v1.0/account/~/presence", timeout=5)
        text = _wait_for(tmp_path, url, "/account/~/presence")
    records = [json.loads(line) for line in text.splitlines()]
    [read] = [r for r in records if r.get("path") == "/restapi/v1.0/account/~/presence"]
    assert read["status"] == 401 and read["verdict"] == "ok" and read["method"] == "GET"
    assert read["errorCode"] and read["level"] == "info" and "ms" in read
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    with running(command, port, tmp_path) as url:
        requests.get(url + "/_mock/health", timeout=5)
        time.sleep(0.3)
        assert _log_of(tmp_path, url) == ""


def test_the_default_start_first_line_is_not_a_warning(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PRESENCE_MOCK_WORKERS"}
    process = subprocess.Popen(
        [COMMAND, "serve", "--port", str(port), "--workers", "2"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = process.stderr.readline() if process.stderr else ""
    finally:
        process.terminate()
        process.wait(timeout=15)
    lowered = first.lower()
    assert "presence-mock" in lowered and "2 workers" in lowered
    assert not any(word in lowered for word in ("cannot", "warning", "error", "instead"))
