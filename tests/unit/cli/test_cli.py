"""The `presence-mock` command: options, environment twins and clear errors (never a traceback)."""

import json

import pytest

from mockserver.cli.main import main
from mockserver.directory.builder import build_directory
from mockserver.platform.credentials import credential_jwt


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_credentials_json_is_the_first_admin(capsys):
    code, out, _ = run(capsys, "credentials", "--json")
    assert code == 0
    printed = json.loads(out)
    directory = build_directory()
    assert printed["clientId"] == directory.apps[0].client_id
    assert printed["jwt"] == credential_jwt(directory.accounts[0].administrator)


def test_credentials_env_is_shell_exports(capsys):
    _, out, _ = run(capsys, "credentials", "--env")
    lines = out.strip().splitlines()
    assert [line.split("=")[0] for line in lines] == [
        "export RINGCENTRAL_SERVER_URL",
        "export RINGCENTRAL_CLIENT_ID",
        "export RINGCENTRAL_CLIENT_SECRET",
        "export RINGCENTRAL_JWT",
    ]


def test_seed_changes_the_credentials_and_env_twin_matches_the_flag(capsys, monkeypatch):
    _, by_default, _ = run(capsys, "credentials", "--json", "--seed", "7")
    monkeypatch.setenv("PRESENCE_MOCK_SEED", "7")
    _, by_env, _ = run(capsys, "credentials", "--json")
    monkeypatch.delenv("PRESENCE_MOCK_SEED")
    _, other, _ = run(capsys, "credentials", "--json")
    assert by_default == by_env != other


def test_flag_wins_over_environment(capsys, monkeypatch):
    monkeypatch.setenv("PRESENCE_MOCK_SEED", "7")
    _, by_flag, _ = run(capsys, "credentials", "--json", "--seed", "8")
    monkeypatch.setenv("PRESENCE_MOCK_SEED", "8")
    _, by_env, _ = run(capsys, "credentials", "--json")
    assert by_flag == by_env


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ("PRESENCE_MOCK_SEED", "abc", "PRESENCE_MOCK_SEED='abc': expected a whole number"),
        ("PRESENCE_MOCK_EXTENSIONS", "3", "extensions"),
        ("PRESENCE_MOCK_VALIDATE_RESPONSES", "maybe", "PRESENCE_MOCK_VALIDATE_RESPONSES"),
    ],
)
def test_bad_settings_are_one_clear_line(capsys, monkeypatch, env, value, expected):
    monkeypatch.setenv(env, value)
    code, _, err = run(capsys, "credentials", "--json")
    assert code == 2
    assert err.startswith("presence-mock: ")
    assert expected in err
    assert "Traceback" not in err


def test_bad_fixture_file_names_the_file(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"formatVersion": 1, "apps": [], "accounts": "x"}')
    code, _, err = run(capsys, "credentials", "--fixture", str(bad))
    assert code == 2
    assert str(bad) in err and "accounts" in err
