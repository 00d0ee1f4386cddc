"""One way to name the server (decision CLI-1): `--url` anywhere among a client command's
arguments, else PRESENCE_MOCK_URL, else RINGCENTRAL_SERVER_URL, else the command's default;
`--target` still read, hidden and with a warning."""

from __future__ import annotations

import json

import pytest

from mockserver.cli.contract import contract_options
from mockserver.cli.main import _parser, main
from mockserver.cli.recording_commands import records_of
from mockserver.cli.server_url import DEFAULT_URL, given_url, server_url

URL = "http://127.0.0.1:9"
OTHER = "http://127.0.0.2:9"
VARIABLES = ("PRESENCE_MOCK_URL", "RINGCENTRAL_SERVER_URL", "PRESENCE_MOCK_TARGET")

# Each client command, with what it needs besides the URL.
COMMANDS = {
    "call": ["call", "ring", "+16505550100", "101"],
    "call list": ["call", "list"],
    "scenario": ["scenario", "run", "inbound-call"],
    "activity": ["activity"],
    "activity stop": ["activity", "--stop"],
    "listen": ["listen"],
    "coverage": ["coverage"],
    "contract": ["contract"],
    "drift": ["drift", "recording.json"],
    "credentials": ["credentials"],
    "export": ["export", "--har=session.har"],
    "mcp": ["mcp"],
    "snapshot": ["snapshot", "export", "state.json"],
}


@pytest.fixture(autouse=True)
def _no_variables(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def parsed(argv):
    return _parser().parse_args(argv)


@pytest.mark.parametrize("command", COMMANDS.values(), ids=list(COMMANDS))
def test_every_client_command_takes_url_before_and_after_its_arguments(command):
    for argv in (
        [*command, "--url", URL],
        [*command[:1], "--url", URL, *command[1:]],
        [*command[:2], "--url", URL, *command[2:]],
    ):
        assert server_url(parsed(argv), {}) == URL, argv


def test_a_verb_after_url_does_not_forget_it():
    """`call --url X ring A B`: the verb's parser stores nothing unless given."""
    args = parsed(["call", "--url", URL, "--account", "7", "ring", "+16505550100", "101"])
    assert server_url(args, {}) == URL and args.account == "7"


def test_the_variables_in_order_then_the_default():
    args = parsed(["call", "list"])
    assert server_url(args, {}) == DEFAULT_URL
    assert server_url(args, {"RINGCENTRAL_SERVER_URL": OTHER}) == OTHER
    both = {"PRESENCE_MOCK_URL": URL, "RINGCENTRAL_SERVER_URL": OTHER}
    assert server_url(args, both) == URL
    flagged = parsed(["call", "list", "--url", OTHER + "/"])
    assert server_url(flagged, both) == OTHER  # the flag wins; no trailing slash
    assert given_url(args, {}) is None


def test_target_is_a_hidden_deprecated_alias(capsys):
    args = parsed(["listen", "--target", URL])
    assert server_url(args, {}) == URL
    assert "--target is deprecated here, use --url" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parsed(["listen", "--help"])
    said = capsys.readouterr().out
    assert "--url URL" in said and "--target" not in said


@pytest.mark.parametrize("bad", ["ftp://host", "127.0.0.1:8080", "http://", "http://h:99999"])
def test_a_url_that_is_no_url_is_one_line_and_exit_2(capsys, bad):
    assert main(["call", "list", "--url", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--url {bad}: " in err and "e.g. http://" in err


def test_a_bad_variable_is_named(capsys, monkeypatch):
    monkeypatch.setenv("PRESENCE_MOCK_URL", "nope")
    assert main(["call", "list"]) == 2
    assert "PRESENCE_MOCK_URL nope: expected a URL starting with http:// or https:// (e.g. " in (
        capsys.readouterr().err
    )


def test_a_refused_url_never_shows_its_password(capsys):
    assert main(["call", "list", "--url", "ftp://me:s3cret@host/x"]) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and "ftp://***@host/x" in err


def test_contract_runs_in_process_without_a_url_and_reads_the_variables(monkeypatch):
    def target(argv, environ):
        return contract_options(parsed(["contract", *argv]), environ).target

    assert target([], {}) == "inprocess"
    assert target(["--url", "inprocess"], {"PRESENCE_MOCK_URL": URL}) == "inprocess"
    assert target([], {"RINGCENTRAL_SERVER_URL": URL}) == URL
    assert target([], {"PRESENCE_MOCK_URL": URL, "RINGCENTRAL_SERVER_URL": OTHER}) == URL
    assert target([], {"PRESENCE_MOCK_TARGET": OTHER}) == OTHER  # the older variable
    assert target(["--target", URL], {}) == URL


def test_credentials_without_a_url_are_computed_here(capsys):
    assert main(["credentials", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["serverUrl"] == DEFAULT_URL and found["jwt"]


def test_credentials_with_a_url_ask_that_server(capsys, monkeypatch):
    monkeypatch.setenv("PRESENCE_MOCK_URL", "http://127.0.0.1:1")  # nothing listens on port 1
    assert main(["credentials", "--env"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "credentials --url http://127.0.0.1:1: no answer" in err


def test_coverage_reads_both_envelopes_of_a_saved_journal():
    entries = [{"method": "GET"}]
    assert records_of({"records": entries}) == entries
    assert records_of(entries) == entries  # saved from a server of an older version
