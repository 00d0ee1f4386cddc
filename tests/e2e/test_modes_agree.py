"""The server and the in-process mode are one app: the same requests get the same bytes.

A table of requests (every endpoint, errors, a batch, paging, a write) is sent to a real
`presence-mock serve` on a loopback port, then through `PresenceMock` (responses) at the same
base URL on a fresh emulator. Status, headers and bodies must match, apart from what is random
or a date: tokens and session IDs, the multipart boundary, the seeded calls' start (before each
emulator's own start), and the Date/Server/Connection headers a server adds.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from mockserver import PresenceMock
from mockserver.config import Settings
from mockserver.emulator import directory_for
from mockserver.platform.credentials import credential_jwt
from tests.support.live_server import serving

API = "/restapi/v1.0/account/~"
SERVER_HEADERS = {"date", "server", "connection", "keep-alive", "transfer-encoding"}
RANDOM_FIELDS = ("access_token", "refresh_token", "endpoint_id", "session_id")


def table(ids: list[int]) -> list[tuple[str, str, dict[str, Any]]]:
    batch = ",".join(map(str, [*ids[:3], 999]))
    return [
        ("GET", f"{API}/extension/~/presence", {}),
        ("GET", f"{API}/extension/~/presence?detailedTelephonyState=TRUE&sipData=true", {}),
        ("GET", f"{API}/extension/{ids[4]}/presence", {}),
        ("GET", f"{API}/extension/{batch}/presence", {}),
        ("GET", f"{API}/presence?page=2&perPage=5&detailedTelephonyState=true", {}),
        ("GET", f"{API}/presence?perPage=0", {}),
        ("GET", f"{API}/presence?page=x", {}),
        ("PUT", f"{API}/extension/~/presence", {"json": {"userStatus": "Busy", "message": "m"}}),
        ("GET", f"{API}/extension/~/presence", {}),
        ("PUT", f"{API}/extension/~/presence", {"data": b"not json"}),
        ("PUT", f"{API}/extension/1,2/presence", {"json": {}}),
        ("GET", "/restapi/v1.0/account/42/presence", {}),
        ("GET", f"{API}/extension/777/presence", {}),
        ("GET", f"{API}/extension/~/nothing", {}),
        ("DELETE", f"{API}/presence", {}),
        ("OPTIONS", f"{API}/extension/~/presence", {}),
        ("GET", f"{API}/presence", {"headers": {"Authorization": "Bearer nope"}}),
        ("GET", f"{API}/presence", {"headers": {"Authorization": "Basic x"}}),
        ("POST", "/restapi/oauth/token", {"data": {"grant_type": "password", "username": "1"}}),
        ("POST", "/restapi/oauth/token", {"data": {"grant_type": "magic"}}),
        ("GET", "/restapi/oauth/authorize?response_type=code&client_id=nobody", {}),
        ("GET", "/_mock/health", {}),
        ("POST", "/_mock/clock", {"json": {"advance": -1}}),
        ("GET", "/_mock/violations", {}),
    ]


def normalized(answer: requests.Response) -> tuple[int, str, dict[str, str], bytes]:
    headers = {k.lower(): v for k, v in answer.headers.items() if k.lower() not in SERVER_HEADERS}
    body = answer.content
    boundary = re.search(r"boundary=(\S+)", headers.get("content-type", ""))
    if boundary:
        body = body.replace(boundary.group(1).encode(), b"BOUNDARY")
        headers["content-type"] = headers["content-type"].replace(boundary.group(1), "BOUNDARY")
        headers.pop("content-length", None)
    if headers.get("content-type") == "application/json" and body:
        parsed = json.loads(body)
        if isinstance(parsed, dict) and "access_token" in parsed:
            parsed.update(dict.fromkeys(RANDOM_FIELDS, "RANDOM"))
            body = json.dumps(parsed).encode()
            headers.pop("content-length", None)
        if isinstance(parsed, dict) and "records" in parsed:  # the journal: times, durations
            body = re.sub(rb'"time":"[^"]+"', b'"time":"T"', body)
            body = re.sub(rb'"ms":[0-9.e+-]+', b'"ms":0', body)
            headers.pop("content-length", None)
    if b'"startTime"' in body:  # a seeded call started before its emulator did (CALL-81)
        body = re.sub(rb'"startTime":\s*"[^"]+"', b'"startTime":"T"', body)
        headers.pop("content-length", None)
    return answer.status_code, answer.reason, headers, body


def run(base: str) -> list[tuple[int, str, dict[str, str], bytes]]:
    directory = directory_for(Settings())
    app = directory.apps[0]
    session = requests.Session()
    session.auth = None
    login = session.post(
        f"{base}/restapi/oauth/token",
        auth=(app.client_id, app.client_secret),
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": credential_jwt(directory.accounts[0].administrator),
        },
        timeout=10,
    )
    answers = [normalized(login)]
    token = login.json()["access_token"]
    ids = [e.id for e in directory.accounts[0].extensions]
    for method, path, options in table(ids):
        headers = {"Authorization": f"Bearer {token}", **options.pop("headers", {})}
        answer = session.request(
            method, base + path, headers=headers, allow_redirects=False, timeout=10, **options
        )
        answers.append(normalized(answer))
    revoke = session.post(
        f"{base}/restapi/oauth/revoke",
        auth=(app.client_id, app.client_secret),
        data={"token": token},
        timeout=10,
    )
    answers.append(normalized(revoke))
    return answers


def test_server_and_in_process_answer_byte_for_byte_alike(tmp_path) -> None:
    with serving(tmp_path) as url:
        from_server = run(url)
    with PresenceMock(base_urls=url):
        in_process = run(url)
    assert len(from_server) == len(table([0] * 5)) + 2
    for number, (served, mocked) in enumerate(zip(from_server, in_process, strict=True)):
        assert served == mocked, f"request {number} differs"
