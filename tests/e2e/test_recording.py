"""record -> replay -> drift end to end, against a deliberately different upstream
(tests/support/fake_upstream.py) on loopback, through the real `presence-mock record` proxy, with
the official SDK and `requests` as clients; and no known secret or personal datum in the
recording."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from ringcentral import SDK

from mockserver.directory.builder import build_directory
from mockserver.directory.fixtures import directory_from_dict
from mockserver.inprocess import PresenceMock
from mockserver.recording.exchange import load
from mockserver.recording.replay import fixture_from_recording
from tests.support.fake_upstream import fake_upstream
from tests.support.live_server import COMMAND, free_port, running
from tests.support.login import grant, login_headers


def _credentials() -> dict[str, Any]:
    printed = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    found: dict[str, Any] = json.loads(printed.stdout)
    return found


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A client session recorded through `presence-mock record` in front of the fake upstream;
    what the client held (tokens, secrets) is kept to look for in the recording."""
    folder = tmp_path_factory.mktemp("record")
    out = folder / "recording.json"
    login = _credentials()
    secrets = {login["clientId"], login["clientSecret"], login["jwt"]}
    with fake_upstream() as upstream:
        port = free_port()
        command = [COMMAND, "record", "--target", upstream, "--out", str(out), "--port", str(port)]
        with running(command, port, folder) as proxy:
            platform = SDK(login["clientId"], login["clientSecret"], proxy).platform()
            platform.login(jwt=login["jwt"])
            token = platform.auth().data()
            secrets |= {token["access_token"], token["refresh_token"]}
            platform.get("/restapi/v1.0/account/~")
            listed = platform.get("/restapi/v1.0/account/~/extension", {"perPage": 100}).json_dict()
            platform.get(
                "/restapi/v1.0/account/~/extension/~/presence",
                {"detailedTelephonyState": "true", "sipData": "true"},
            )
            users = [r["id"] for r in listed["records"] if r["type"] == "User"][:3]
            ids = ",".join(str(i) for i in users)
            batch = requests.get(
                f"{proxy}/restapi/v1.0/account/~/extension/{ids}/presence",
                headers={"Authorization": f"Bearer {token['access_token']}"},
                timeout=10,
            )
            assert batch.status_code == 207
            platform.get(
                "/restapi/v1.0/account/~/presence",
                {"detailedTelephonyState": "true", "perPage": 100},
            )
            with pytest.raises(Exception, match="404"):
                platform.get("/restapi/v1.0/account/~/extension/999999/presence")
            platform.put(
                "/restapi/v1.0/account/~/extension/~/presence", {"userStatus": "Available"}
            )
            # A token in the query, and a password grant (a known password and username).
            user = login["users"][1]
            secrets |= {user["password"], user["jwt"]}
            requests.get(
                f"{proxy}/restapi/v1.0/account/~/extension/~/presence",
                params={"access_token": token["access_token"]},
                timeout=10,
            ).raise_for_status()
            password = {"username": user["username"], "password": user["password"]}
            granted = grant(proxy, login, {"grant_type": "password", **password})
            assert granted.status_code == 200, granted.text
            secrets |= {granted.json()["access_token"], granted.json()["refresh_token"]}
        yield {
            "path": out,
            "secrets": secrets,
            "upstream": upstream,
            "login": login,
            "folder": folder,
        }


def test_every_exchange_is_recorded(session: dict[str, Any]) -> None:
    recording = load(session["path"])
    operations = [e["operation"] for e in recording["exchanges"]]
    assert operations.count("getToken") == 2
    assert {
        "readAccountInfo",
        "listExtensions",
        "readUserPresenceStatus",
        "readAccountPresence",
    } <= set(operations)
    batch = next(e for e in recording["exchanges"] if e["response"]["status"] == 207)
    parts = batch["response"]["body"]["multipart"]
    assert len(parts) == 4 and len(parts[0]["response"]) == 3


def test_no_secret_and_no_personal_data_in_the_recording(session: dict[str, Any]) -> None:
    text = Path(session["path"]).read_text()
    for secret in session["secrets"]:
        assert secret not in text
    directory = build_directory()
    personal = set()
    for extension in directory.accounts[0].extensions:
        if extension.type.is_user:
            personal |= {extension.name, *extension.name.split()}
            personal |= {value for value in (extension.email, extension.phone_number) if value}
    personal = {value for value in personal if len(value) >= 4}
    leaked = sorted(value for value in personal if value in text)
    assert leaked == []
    assert "+1650375" not in text  # the seeded direct numbers' area and exchange
    # Scrubbed consistently: the token the login answered is the bearer of the next call.
    recording = load(session["path"])
    exchanges = recording["exchanges"]
    first = next(i for i, e in enumerate(exchanges) if e["operation"] == "getToken")
    issued = exchanges[first]["response"]["body"]["access_token"]
    assert issued.startswith("scrubbed-token-")
    # (the SDK sends back the token_type it was given, "bearer")
    assert exchanges[first + 1]["request"]["headers"]["Authorization"] == f"bearer {issued}"


def test_a_recording_replays_as_a_fixture(session: dict[str, Any], tmp_path: Path) -> None:
    recording = load(session["path"])
    fixture = fixture_from_recording(recording)
    directory = directory_from_dict(fixture)
    seeded = build_directory()
    assert [e.id for e in directory.accounts[0].extensions] == [
        e.id for e in seeded.accounts[0].extensions
    ]
    path = tmp_path / "fixture.json"
    printed = subprocess.run(
        [COMMAND, "replay", str(session["path"]), "--out", str(path)], check=True
    )
    assert printed.returncode == 0
    busy = next(
        e
        for e in seeded.accounts[0].extensions
        if e.type.is_user and e.settings.get("userStatus") == "Busy"
    )
    with PresenceMock(fixture=path, log=False) as mock:
        headers = login_headers("https://platform.ringcentral.com", mock.credentials)
        answer = requests.get(
            f"https://platform.ringcentral.com/restapi/v1.0/account/~/extension/{busy.id}/presence",
            headers=headers,
            timeout=5,
        ).json()
        assert answer["userStatus"] == "Busy"
        assert (
            answer["telephonyStatus"]
            == next(r for r in recording_presence(recording) if r["extension"]["id"] == busy.id)[
                "telephonyStatus"
            ]
        )


def recording_presence(recording: dict[str, Any]) -> list[dict[str, Any]]:
    page = next(e for e in recording["exchanges"] if e["operation"] == "readAccountPresence")
    records: list[dict[str, Any]] = page["response"]["body"]["records"]
    return records


EXPECTED = {
    ("readUserPresenceStatus", "field", "body.presenceSource"),
    ("readUserPresenceStatus", "enum", "body.telephonyStatus"),
    ("readUserPresenceStatus", "errorCode", "errorCode"),
    ("updateUserPresenceStatus", "field", "body.presenceSource"),
    ("updateUserPresenceStatus", "enum", "body.telephonyStatus"),
    ("readAccountInfo", "type", "body.id"),
    *(
        (operation, "header", "x-upstream-version")
        for operation in (
            "getToken",
            "readAccountInfo",
            "listExtensions",
            "readUserPresenceStatus",
            "readAccountPresence",
            "updateUserPresenceStatus",
        )
    ),
}


def _found(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(d["operation"], d["kind"], d["where"]) for d in report["differences"]}


def test_drift_reports_the_upstream_differences(session: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "drift.json"
    ran = subprocess.run(
        [COMMAND, "drift", str(session["path"]), "--json", str(out)], capture_output=True, text=True
    )
    assert ran.returncode == 1, ran.stderr
    report = json.loads(out.read_text())
    assert _found(report) == EXPECTED, ran.stdout
    enum = next(d for d in report["differences"] if d["kind"] == "enum")
    assert (enum["real"], enum["emulator"]) == (["Unknown"], ["NoCall"])
    assert "readAccountInfo" in ran.stdout and "body.presenceSource" in ran.stdout


def test_drift_against_the_live_target(session: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "drift.json"
    login = session["login"]
    with fake_upstream() as upstream:
        ran = subprocess.run(
            [
                COMMAND,
                "drift",
                str(session["path"]),
                "--target",
                upstream,
                "--client-id",
                login["clientId"],
                "--client-secret",
                login["clientSecret"],
                "--jwt",
                login["jwt"],
                "--json",
                str(out),
            ],
            capture_output=True,
            text=True,
        )
    assert ran.returncode == 1, ran.stderr
    assert _found(json.loads(out.read_text())) == EXPECTED, ran.stdout
