"""A public app's authorization-code login under random credentials, through a live `serve`: the
form, the user's password, the code and its redemption."""

from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.apps import (
    AUTHORIZE,
    CALLBACK,
    SECRET,
    TOKEN,
    authorize_query,
    fixture_with_public_app,
)
from tests.support.live_server import COMMAND, serving
from tests.support.login import PUBLIC_ID, VERIFIER


@pytest.fixture
def fixture_path(tmp_path: Path) -> Path:
    return fixture_with_public_app(tmp_path)


def test_the_form_login_end_to_end(tmp_path: Path, fixture_path: Path):
    """`serve` with a secret from a file; the password as `credentials --json` prints it; the
    exploit refused and the form's POST signing in with `requests`."""
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    options = ("--fixture", str(fixture_path), "--credentials-secret-file", str(secret_file))
    printed = subprocess.run(
        [COMMAND, "credentials", "--json", *options], capture_output=True, check=True, text=True
    )
    users = json.loads(printed.stdout)["users"]
    admin = next(u for u in users if u["admin"])
    with serving(tmp_path, *options) as url:
        hinted = requests.get(
            url + AUTHORIZE,
            params=authorize_query(login_hint=str(admin["extensionId"])),
            allow_redirects=False,
            timeout=10,
        )
        assert hinted.status_code == 200 and "Location" not in hinted.headers
        action = unescape(re.search(r'action="([^"]+)"', hinted.text).group(1))
        login = {"username": admin["username"], "password": admin["password"]}
        signed = requests.post(url + action, data=login, allow_redirects=False, timeout=10)
        assert signed.status_code == 302, signed.text
        code = parse_qs(urlsplit(signed.headers["Location"]).query)["code"][0]
        token = requests.post(
            url + TOKEN,
            data={
                "grant_type": "authorization_code",
                "client_id": PUBLIC_ID,
                "code": code,
                "redirect_uri": CALLBACK,
                "code_verifier": VERIFIER,
            },
            timeout=10,
        )
        assert token.status_code == 200, token.text
        assert token.json()["owner_id"] == str(admin["extensionId"])
