"""--random-credentials (decision AUTH-20): the demo credentials stay byte-identical without it;
with it the demo ones are refused, the derived ones work, and no secret reaches a log or journal."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
from pathlib import Path

import jwt
import pytest
import requests
from ringcentral import SDK

from mockserver import PresenceMock
from mockserver.cli.main import credentials, main
from mockserver.config import ConfigError, Settings
from mockserver.directory.builder import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from mockserver.web.app import create_app
from tests.support.live_server import COMMAND, serving

SECRET = "a-shared-secret-for-the-replicas-0123"
TOKEN_URL = "https://platform.ringcentral.com/restapi/oauth/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# sha256 of `credentials --json` / `--env` at a9bdfd9, before this option existed.
# The demo credentials as every earlier build made them, written out here independently of
# mockserver/platform: the fixed signing key and password salt (docs/decisions.md).
DEMO_SIGNING_KEY = "presence-mock-demo-signing-key-not-a-secret"
DEMO_PASSWORD_SALT = "presence-mock-demo-password"


def _demo_jwt(user: dict) -> str:
    claims = {
        "aud": "https://platform.ringcentral.com/restapi/oauth/token",
        "iss": "presence-mock",
        "sub": str(user["extensionId"]),
        "account_id": str(user["accountId"]),
        "iat": 1767225600,
        "jti": f"presence-mock-{user['extensionId']}",
    }
    return jwt.encode(claims, DEMO_SIGNING_KEY, algorithm="HS256")


def _demo_password(user: dict) -> str:
    digest = hashlib.sha256(f"{DEMO_PASSWORD_SALT}:{user['extensionId']}".encode()).hexdigest()
    return f"Demo-{digest[:6]}-{digest[6:12]}"


def _secrets_of(printed: dict) -> list[str]:
    """Every value that must stay out of logs: the app secret, JWTs and passwords."""
    found = [printed["clientSecret"], printed["jwt"]]
    for user in printed["users"]:
        found += [user["password"], user["jwt"]]
    return found


def test_without_the_flag_the_demo_credentials_are_byte_identical():
    printed = json.loads(credentials(Settings(), "json"))
    assert (printed["clientId"], printed["clientSecret"]) == (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    for user in printed["users"]:
        assert user["jwt"] == _demo_jwt(user)
        assert user["password"] == _demo_password(user)
    assert printed["jwt"] == next(u["jwt"] for u in printed["users"] if u["admin"])
    env = credentials(Settings(), "env")
    assert f"export RINGCENTRAL_CLIENT_SECRET={DEMO_CLIENT_SECRET}" in env.splitlines()
    assert PresenceMock().credentials["clientSecret"] == DEMO_CLIENT_SECRET


def test_a_secret_gives_the_same_credentials_by_flag_and_by_variable(monkeypatch, capsys):
    assert main(["credentials", "--json", "--credentials-secret", SECRET]) == 0
    by_flag = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("PRESENCE_MOCK_CREDENTIALS_SECRET", SECRET)
    assert main(["credentials", "--json"]) == 0
    by_variable = json.loads(capsys.readouterr().out)
    assert by_flag == by_variable
    demo = json.loads(credentials(Settings(), "json"))
    assert by_flag["clientId"] == DEMO_CLIENT_ID  # the id is not a secret; the rest changes
    assert by_flag["clientSecret"] != demo["clientSecret"]
    assert by_flag["jwt"] != demo["jwt"]
    assert {u["password"] for u in by_flag["users"]}.isdisjoint(
        u["password"] for u in demo["users"]
    )
    other = json.loads(credentials(Settings(credentials_secret=SECRET + "x"), "json"))
    assert other["clientSecret"] != by_flag["clientSecret"]


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        (["credentials", "--credentials-secret", "short"], {}, "at least 16 characters"),
        (["credentials", "--random-credentials"], {}, "give the server's --credentials-secret"),
        (["credentials"], {"PRESENCE_MOCK_RANDOM_CREDENTIALS": "maybe"}, "expected 1/0"),
        (["credentials"], {"PRESENCE_MOCK_CREDENTIALS_SECRET": "short"}, "at least 16"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(monkeypatch, capsys, argv, env, says):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert "short" not in err  # the secret given is never echoed


def test_create_app_refuses_a_made_up_secret_on_a_shared_store(tmp_path):
    with pytest.raises(ConfigError, match="needs --credentials-secret"):
        create_app({"random_credentials": True, "store": f"sqlite:///{tmp_path}/s.db"})
    create_app({"credentials_secret": SECRET, "store": f"sqlite:///{tmp_path}/s.db"})


def _token(form: dict, client_id: str, client_secret: str) -> requests.Response:
    return requests.post(TOKEN_URL, data=form, auth=(client_id, client_secret), timeout=5)


def test_in_process_demo_credentials_are_refused_and_derived_ones_work():
    demo = PresenceMock().credentials
    demo_user = PresenceMock().users[1]
    with PresenceMock(random_credentials=True) as mock:
        made = mock.credentials
        assert mock.settings.credentials_secret  # made at start, kept for the caller
        user = mock.users[1]
        refused = _token(
            {"grant_type": JWT_GRANT, "assertion": made["jwt"]},
            DEMO_CLIENT_ID,
            demo["clientSecret"],
        )
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_client")
        for form in (
            {"grant_type": JWT_GRANT, "assertion": demo["jwt"]},
            {
                "grant_type": "password",
                "username": demo_user["username"],
                "password": demo_user["password"],
            },
        ):
            answer = _token(form, made["clientId"], made["clientSecret"])
            assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")
        for form in (
            {"grant_type": JWT_GRANT, "assertion": made["jwt"]},
            {"grant_type": "password", "username": user["username"], "password": user["password"]},
        ):
            answer = _token(form, made["clientId"], made["clientSecret"])
            assert answer.status_code == 200, answer.text
        journal = json.dumps(mock.requests)
    printed = {**made, "users": mock.users}
    for value in [*_secrets_of(printed), mock.settings.credentials_secret]:
        assert value not in journal


def test_in_process_secret_agrees_with_the_cli():
    printed = json.loads(credentials(Settings(credentials_secret=SECRET), "json"))
    mock = PresenceMock(credentials_secret=SECRET)
    assert mock.credentials == {k: printed[k] for k in ("clientId", "clientSecret", "jwt")}
    assert mock.users == printed["users"]


def test_live_replicas_with_one_secret_agree_and_log_nothing_secret(tmp_path):
    """Two `serve`s (two workers each) on one SQLite store, given the same secret: the SDK logs
    in on one with what `credentials --credentials-secret` prints, and the token works on the
    other; the demo login is refused; neither log shows a secret."""
    store = f"sqlite:///{tmp_path}/shared.db"
    file = tmp_path / "creds.json"
    options = ("--workers", "2", "--store", store, "--credentials-secret", SECRET)
    with (
        serving(tmp_path, *options, "--credentials-file", str(file)) as first,
        serving(tmp_path, *options) as second,
    ):
        printed = json.loads(
            subprocess.run(
                [COMMAND, "credentials", "--json"],
                env={"PRESENCE_MOCK_CREDENTIALS_SECRET": SECRET, "PATH": ""},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        written = json.loads(file.read_text())
        # The file names the server that wrote it; computed here, the default port.
        assert (written.pop("serverUrl"), printed.pop("serverUrl")) == (
            first,
            "http://127.0.0.1:8080",
        )
        assert written == printed
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        platform = SDK(printed["clientId"], printed["clientSecret"], first).platform()
        platform.login(jwt=printed["jwt"])
        token = platform.auth().access_token()
        me = requests.get(
            f"{second}/restapi/v1.0/account/~/extension/~/presence",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert me.status_code == 200, me.text
        user = printed["users"][2]
        password = requests.post(
            f"{second}/restapi/oauth/token",
            data={
                "grant_type": "password",
                "username": user["username"],
                "password": user["password"],
            },
            auth=(printed["clientId"], printed["clientSecret"]),
            timeout=5,
        )
        assert password.status_code == 200, password.text
        demo = json.loads(credentials(Settings(), "json"))
        refused = requests.post(
            f"{first}/restapi/oauth/token",
            data={"grant_type": JWT_GRANT, "assertion": demo["jwt"]},
            auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            timeout=5,
        )
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_client")
        journal = requests.get(f"{first}/_mock/requests", timeout=5).text
    logs = "".join(p.read_text() for p in tmp_path.glob("serve-*.log"))
    assert "POST /restapi/oauth/token" in logs
    for value in [SECRET, *_secrets_of(printed)]:
        assert value not in logs and value not in journal


def test_live_serve_makes_a_secret_and_says_where_the_credentials_are(tmp_path):
    with serving(tmp_path, "--workers", "1", "--random-credentials") as url:
        log = next(tmp_path.glob("serve-*.log"))
        line = next(x for x in log.read_text().splitlines() if "credentials in " in x)
        path = Path(line.split("credentials in ", 1)[1].split(" (mode", 1)[0])
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        printed = json.loads(path.read_text())
        answer = requests.post(
            f"{url}/restapi/oauth/token",
            data={"grant_type": JWT_GRANT, "assertion": printed["jwt"]},
            auth=(printed["clientId"], printed["clientSecret"]),
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        demo = json.loads(credentials(Settings(), "json"))
        refused = requests.post(
            f"{url}/restapi/oauth/token",
            data={"grant_type": JWT_GRANT, "assertion": demo["jwt"]},
            auth=(printed["clientId"], printed["clientSecret"]),
            timeout=5,
        )
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert not path.exists()  # a file serve made up is gone with the server
    logs = log.read_text()
    for value in _secrets_of(printed):
        assert value not in logs
