"""Recordings of a realistic client session against the emulator, in process (for the drift and
replay unit tests) and the session itself, so the end-to-end test plays the same one through a
real `presence-mock record`.

The session reads and writes: the token, the account, the extension list page by page, a queue
member's record (its `departments`), presence read and written (single, batch, account pages with
calls), and two refusals (an unknown extension, an invalid status).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mockserver.config import Settings
from mockserver.directory.builder import build_directory
from mockserver.emulator import Emulator
from mockserver.platform.tokens import JWT_GRANT
from mockserver.recording.exchange import FORMAT_VERSION, body_of, operation_of
from mockserver.web.app import create_app

API = "/restapi/v1.0/account/~"
Change = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Step:
    method: str
    path: str
    query: dict[str, str]
    body: Any = None


def session_steps() -> list[Step]:
    """The session, on the default seed: its IDs are the seed's."""
    account = build_directory().accounts[0]
    users = [e for e in account.extensions if e.type.is_user]
    member = next(e for e in users if account.queues_of.get(e.id))
    busy = next(e for e in users[1:] if not account.queues_of.get(e.id))
    batch = ",".join(str(e.id) for e in (users[1], busy, member))
    return [
        Step("GET", API, {}),
        Step("GET", f"{API}/extension", {"perPage": "20"}),
        Step("GET", f"{API}/extension", {"perPage": "20", "page": "2"}),
        Step("GET", f"{API}/extension/{member.id}", {}),
        Step("GET", f"{API}/extension/~", {}),
        Step("GET", f"{API}/extension/~/presence", {"detailedTelephonyState": "true"}),
        Step("GET", f"{API}/extension/{busy.id}/presence", {}),
        Step(
            "PUT",
            f"{API}/extension/{busy.id}/presence",
            {},
            {"userStatus": "Busy", "dndStatus": "DoNotAcceptAnyCalls", "message": "In a meeting"},
        ),
        Step("GET", f"{API}/extension/{busy.id}/presence", {}),
        Step("GET", f"{API}/extension/{batch}/presence", {}),
        Step("GET", f"{API}/presence", {"perPage": "10"}),
        Step(
            "GET",
            f"{API}/presence",
            {"perPage": "10", "page": "2", "detailedTelephonyState": "true", "sipData": "true"},
        ),
        Step("GET", f"{API}/extension/999999/presence", {}),
        Step("PUT", f"{API}/extension/~/presence", {}, {"userStatus": "Away"}),
    ]


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def recorded_session(
    steps: list[Step] | None = None, prepare: Callable[[FlaskClient], None] | None = None
) -> dict[str, Any]:
    """The session (or `steps`) asked of an in-process emulator of the default seed, as `record`
    keeps it (unscrubbed: nothing leaves the test); `prepare` acts on the emulator first (its
    controls are not recorded)."""
    emulator = Emulator.from_settings(Settings())
    client = create_app(emulator=emulator).test_client(use_cookies=False)
    if prepare is not None:
        prepare(client)
    login = emulator.credentials()
    exchanges: list[dict[str, Any]] = []

    def ask(
        method: str, path: str, query: dict[str, str], headers: dict[str, str], data: bytes
    ) -> TestResponse:
        got = client.open(path, method=method, headers=headers, data=data, query_string=query)
        kind = headers.get("Content-Type")
        exchanges.append(
            {
                "operation": operation_of(method, path),
                "request": {
                    "method": method,
                    "path": path,
                    "query": {name: [value] for name, value in query.items()},
                    "headers": headers,
                    "body": body_of(kind, data),
                },
                "response": {
                    "status": got.status_code,
                    "headers": dict(got.headers),
                    "body": body_of(got.headers.get("Content-Type"), got.get_data()),
                },
            }
        )
        return got

    form = {"grant_type": JWT_GRANT, "assertion": login["jwt"]}
    token = ask(
        "POST",
        "/restapi/oauth/token",
        {},
        {
            "Authorization": basic(login["clientId"], login["clientSecret"]),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        urlencode(form).encode(),
    ).get_json()["access_token"]
    for step in session_steps() if steps is None else steps:
        headers = {"Authorization": f"Bearer {token}"}
        data = b""
        if step.body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(step.body).encode()
        ask(step.method, step.path, step.query, headers, data)
    return {"formatVersion": FORMAT_VERSION, "target": "http://127.0.0.1", "exchanges": exchanges}


def exchanges_of(recording: dict[str, Any], operation: str) -> Iterator[dict[str, Any]]:
    return (e for e in recording["exchanges"] if e["operation"] == operation)


def tampered(recording: dict[str, Any], change: Change) -> dict[str, Any]:
    """A copy of `recording` with `change` applied to it."""
    copied = copy.deepcopy(recording)
    change(copied)
    return copied


# One planted difference of each kind drift compares: (the change, what drift reports as
# (operation, kind, where), the real side's value, the emulator's).
def presence(recording: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(exchanges_of(recording, "readUserPresenceStatus"))["response"]
    return found


def add_field(recording: dict[str, Any]) -> None:
    presence(recording)["body"]["presenceSource"] = "Desk"


def remove_field(recording: dict[str, Any]) -> None:
    del presence(recording)["body"]["allowSeeMyPresence"]


def change_type(recording: dict[str, Any]) -> None:
    body = next(exchanges_of(recording, "readAccountInfo"))["response"]["body"]
    body["federated"] = "false"


def change_enum(recording: dict[str, Any]) -> None:
    presence(recording)["body"]["presenceStatus"] = "Away"


def change_status(recording: dict[str, Any]) -> None:
    next(exchanges_of(recording, "readAccountInfo"))["response"]["status"] = 203


def set_header(response: dict[str, Any], name: str, value: str) -> None:
    """`name` set to `value`, whatever case the recording wrote it in."""
    headers = response["headers"]
    for known in [known for known in headers if known.lower() == name.lower()]:
        del headers[known]
    headers[name] = value


def add_header(recording: dict[str, Any]) -> None:
    set_header(presence(recording), "X-Upstream-Version", "2")


def change_header(recording: dict[str, Any]) -> None:
    set_header(presence(recording), "X-Rate-Limit-Group", "heavy")


def change_error_code(recording: dict[str, Any]) -> None:
    refused = next(e for e in recording["exchanges"] if e["response"]["status"] == 404)
    body = refused["response"]["body"]
    body["errorCode"] = body["errors"][0]["errorCode"] = "XYZ-404"


PLANTED: dict[str, tuple[Change, tuple[str, str, str], Any, Any]] = {
    "field added": (
        add_field,
        ("readUserPresenceStatus", "field", "body.presenceSource"),
        "string",
        None,
    ),
    "field removed": (
        remove_field,
        ("readUserPresenceStatus", "field", "body.allowSeeMyPresence"),
        None,
        "boolean",
    ),
    "type changed": (
        change_type,
        ("readAccountInfo", "type", "body.federated"),
        "string",
        "boolean",
    ),
    "enum value changed": (
        change_enum,
        ("readUserPresenceStatus", "enum", "body.presenceStatus"),
        ["Away"],
        None,
    ),
    "status changed": (change_status, ("readAccountInfo", "status", "status"), 203, 200),
    "header added": (
        add_header,
        ("readUserPresenceStatus", "header", "x-upstream-version"),
        "present",
        None,
    ),
    "header value changed": (
        change_header,
        ("readUserPresenceStatus", "header", "x-rate-limit-group"),
        "heavy",
        "light",
    ),
    "error code changed": (
        change_error_code,
        ("readUserPresenceStatus", "errorCode", "errorCode"),
        "XYZ-404",
        "CMN-102",
    ),
}
