"""The corpus of recorded platform answers (tests/recorded/): loading its entries, setting up the
state each one needs, sending its request to an in-process emulator and comparing the answer
field by field with the recording.

A divergence is named `<kind>:<where>`:
- `status`: the status code differs;
- `missing:<path>` / `extra:<path>`: a field the recording has and we lack, or the reverse
  (absent in the recording means absent here, not empty);
- `type:<path>`: JSON types differ (a number against a string, ...);
- `format:<path>`: both strings, in different formats (a time with `Z` against `+0000`, a URI
  against plain text, digits against words);
- `value:<path>`: an enum, an error code or an error's words differ;
- `header:<name>`: a header the recording shows is absent or (for the ones compared by value)
  different;
- `redirect:<name>`: a redirect's Location lacks or adds a query parameter.
Paths start at `body`; list items are `[]`, except `errors[i]`, compared item by item.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from werkzeug.test import Client, TestResponse

from mockserver.config import Settings
from mockserver.directory.builder import build_directory
from mockserver.directory.fixtures import directory_to_dict
from mockserver.directory.model import ExtensionType
from mockserver.emulator import Emulator
from mockserver.events.webhooks import Answer
from mockserver.platform.credentials import credential_jwt
from mockserver.platform.tokens import JWT_GRANT
from mockserver.recording.shapes import type_name
from mockserver.web.app import create_app
from tests.support.login import PUBLIC_ID, VERIFIER, app_auth, bearer_headers, s256
from tests.support.paths import REPO

CORPUS = REPO / "tests" / "recorded"
ENTRIES = CORPUS / "entries"
SCHEMA = CORPUS / "entry.schema.json"
DECISIONS = REPO / "docs" / "decisions.md"

# An app that may read presence and nothing else (no ReadAccounts, ReadCallLog, WebSocket):
# the app of the recorded permission refusals.
LIMITED_ID = "recordedLimitedApp"
LIMITED_PERMISSIONS = ("ReadPresence",)
UNKNOWN_ID = 999999999
# A WebHook receiver the emulator's transport answers in process (no connection is made).
FAILING = "https://failing.test/"
# Where the authorization-code entries send the browser back to; nothing listens there.
CALLBACK = "http://127.0.0.1:9/oauth2Callback"

# Strings whose exact value is part of the contract (codes and the words of errors).
ERROR_VALUES = frozenset(
    {"errorCode", "message", "parameterName", "permissionName", "error", "error_description"}
)
# Fields with a closed set of values: the recording's value must be ours in the same state.
ENUM_VALUES = frozenset(
    {
        "presenceStatus",
        "userStatus",
        "dndStatus",
        "telephonyStatus",
        "meetingStatus",
        "type",
        "status",
        "token_type",
        "result",
        "action",
        "direction",
        "transportType",
        "setupWizardState",
    }
)
# Headers every two servers disagree on, never compared.
VOLATILE_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "connection",
        "vary",
        "rcrequestid",
        "aceroutingkey",
        "routingkey",
        "x-rate-limit-remaining",
        "localhostinfo",
    }
)
# Headers compared by value (the media type only for Content-Type).
VALUE_HEADERS = frozenset({"content-type", "www-authenticate", "x-rate-limit-group"})


@dataclass(frozen=True)
class Entry:
    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def operation(self) -> str:
        return str(self.data["operation"])

    @property
    def recorded(self) -> dict[str, Any]:
        return dict(self.data["response"])

    @property
    def declared(self) -> dict[str, str]:
        return dict(self.data.get("divergences", {}))

    def error_codes(self) -> set[str]:
        """The error codes the recording answers with, at every level."""
        body = self.recorded.get("body")
        found: set[str] = set()
        if isinstance(body, dict):
            if isinstance(body.get("errorCode"), str):
                found.add(body["errorCode"])
            for item in body.get("errors") or []:
                if isinstance(item, dict) and isinstance(item.get("errorCode"), str):
                    found.add(item["errorCode"])
        if isinstance(body, list):  # a WebSocket frame: [head, body]
            for part in body:
                for key in ("errorCode", "recoveryErrorCode"):
                    if isinstance(part, dict) and isinstance(part.get(key), str):
                        found.add(part[key])
        return found


def entries() -> list[Entry]:
    return [Entry(p, json.loads(p.read_text())) for p in sorted(ENTRIES.glob("*.json"))]


def decision_ids() -> set[str]:
    """The decision IDs the decisions page defines: each written in bold where it starts."""
    return set(re.findall(r"\*\*([A-Z]{2,6}-[0-9]{1,3})\*\*", DECISIONS.read_text()))


# -- comparing ---------------------------------------------------------------------------------
_TIME_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
_TIME_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:?\d\d$")
# (The guide writes some IDs with `x` for hidden digits.)
_UUID = re.compile(r"^[0-9a-fx]{8}-[0-9a-fx]{4}-[0-9a-fx]{4}-[0-9a-fx]{4}-[0-9a-fx]{12}$", re.I)


def string_format(value: str) -> str:
    """The format class of a string: what a client parsing it would notice."""
    if _TIME_Z.match(value):
        return "date-time (Z)"
    if _TIME_OFFSET.match(value):
        return "date-time (offset)"
    # The guide elides hosts: "https.../restapi/...", ".../account/1/extension".
    if re.match(r"^(https?:|wss?:|\.\.\.)", value) or value.startswith("https..."):
        return "uri"
    if _UUID.match(value):
        return "uuid"
    if value.removeprefix("-").isdigit():
        return "digits"
    return "text"


@dataclass
class Comparison:
    found: set[str] = field(default_factory=set)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, recorded: Any, ours: Any) -> None:
        self.found.add(key)
        self.examples.setdefault(key, f"recorded {recorded!r}, emulator {ours!r}"[:300])


def _merged(items: list[Any]) -> Any:
    """The list's items as one: the union of their keys (the first value seen for each)."""
    objects = [i for i in items if isinstance(i, dict)]
    if not objects:
        return items[0] if items else None
    merged: dict[str, Any] = {}
    for item in objects:
        for key, value in item.items():
            if key not in merged:
                merged[key] = value
            elif isinstance(value, list) and isinstance(merged[key], list):
                merged[key] = merged[key] + value
            elif isinstance(value, dict) and isinstance(merged[key], dict):
                merged[key] = _merged([merged[key], value])
    return merged


def compare_bodies(
    recorded: Any,
    ours: Any,
    out: Comparison,
    path: str = "body",
    values: bool = True,
    excerpt: bool = False,
) -> None:
    """`excerpt`: the recording quotes some fields only; ours beyond them are not compared."""
    if type_name(recorded) != type_name(ours):
        out.add(f"type:{path}", type_name(recorded), type_name(ours))
        return
    if isinstance(recorded, dict) and path.startswith("frame") and path.endswith(".headers"):
        # A frame's headers: those two servers never agree on are not compared, as over HTTP.
        recorded = {k: v for k, v in recorded.items() if k.lower() not in VOLATILE_HEADERS}
        ours = {k: v for k, v in ours.items() if k.lower() not in VOLATILE_HEADERS}
    if isinstance(recorded, dict):
        for key in recorded:
            if key not in ours:
                out.add(f"missing:{path}.{key}", recorded[key], None)
        for key in ours:
            if key not in recorded and not excerpt:
                out.add(f"extra:{path}.{key}", None, ours[key])
        for key in recorded:
            if key in ours:
                child = f"{path}.{key}"
                both_strings = isinstance(recorded[key], str) and isinstance(ours[key], str)
                if values and both_strings and (key in ERROR_VALUES or key in ENUM_VALUES):
                    if recorded[key] != ours[key]:
                        out.add(f"value:{child}", recorded[key], ours[key])
                    continue
                compare_bodies(recorded[key], ours[key], out, child, values, excerpt)
    elif isinstance(recorded, list):
        if path.endswith(".errors"):
            if len(recorded) != len(ours):
                out.add(f"value:{path}.length", len(recorded), len(ours))
            for index, (theirs, mine) in enumerate(zip(recorded, ours, strict=False)):
                compare_bodies(theirs, mine, out, f"{path}[{index}]", values, excerpt)
        elif recorded and ours:
            compare_bodies(_merged(recorded), _merged(ours), out, f"{path}[]", False, excerpt)
        elif recorded and not ours:
            out.add(f"missing:{path}[]", recorded[0], None)
    elif (
        isinstance(recorded, str)
        and isinstance(ours, str)
        and string_format(recorded) != string_format(ours)
    ):
        out.add(f"format:{path}", recorded, ours)


def compare_headers(recorded: dict[str, str], ours: dict[str, str], out: Comparison) -> None:
    mine = {k.lower(): v for k, v in ours.items()}
    for name, value in recorded.items():
        key = name.lower()
        if key in VOLATILE_HEADERS:
            continue
        if key not in mine:
            out.add(f"header:{key}", value, None)
        elif key in VALUE_HEADERS:
            theirs, ours_value = value, mine[key]
            if key == "content-type":
                theirs = value.split(";")[0].strip().lower()
                ours_value = mine[key].split(";")[0].strip().lower()
            if theirs != ours_value:
                out.add(f"header:{key}", value, mine[key])


def compare_redirect(recorded: str, ours: str | None, out: Comparison) -> None:
    if ours is None:
        out.add("header:location", recorded, None)
        return
    theirs = set(parse_qs(urlsplit(recorded).query, keep_blank_values=True))
    mine = set(parse_qs(urlsplit(ours).query, keep_blank_values=True))
    for name in sorted(theirs - mine):
        out.add(f"redirect:{name}", name, None)
    for name in sorted(mine - theirs):
        out.add(f"redirect:{name}", None, name)


def compare(entry: Entry, status: int, headers: dict[str, str], body: Any) -> Comparison:
    """The recording beside our answer: every divergence found."""
    recorded = entry.recorded
    out = Comparison()
    socket = entry.data["request"]["method"] == "WEBSOCKET"
    # A frame whose meta the recording does not give has no status to compare.
    if recorded["status"] != status and not (socket and recorded.get("body", [None])[0] is None):
        out.add("status", recorded["status"], status)
    compare_headers(recorded.get("headers", {}), headers, out)
    if "location" in recorded:
        compare_redirect(recorded["location"], headers.get("Location"), out)
    if "body" in recorded and entry.data["request"]["method"] == "WEBSOCKET":
        # A frame: each element the recording gives (null: not recorded) beside ours.
        excerpt = entry.data.get("recorded") == "excerpt"
        for index, part in enumerate(recorded["body"]):
            if part is None:
                continue
            mine = body[index] if isinstance(body, list) and len(body) > index else None
            if entry.data.get("recorded") == "code-and-message":
                compare_code_and_message(part, mine, out)
            else:
                compare_bodies(part, mine, out, f"frame[{index}]", excerpt=excerpt)
    elif "body" in recorded:
        if entry.data.get("recorded") == "code-and-message":
            # An error-code table gives the status, the code and its words, not a body.
            compare_code_and_message(recorded["body"], body, out)
        else:
            excerpt = entry.data.get("recorded") == "excerpt"
            compare_bodies(recorded["body"], body, out, excerpt=excerpt)
    return out


def _template(text: str) -> re.Pattern[str]:
    """An error table's message as a pattern: `${name}` and `{name}` stand for any value."""
    parts = re.split(r"\$?\{[A-Za-z_]+\}", text)
    return re.compile(".+".join(re.escape(part) for part in parts) + r"\Z", re.S)


def compare_code_and_message(recorded: Any, ours: Any, out: Comparison) -> None:
    item: Any = {}
    if isinstance(ours, dict):
        errors = ours.get("errors")
        item = errors[0] if isinstance(errors, list) and errors else ours
    if isinstance(ours, list) and len(ours) == 2 and isinstance(ours[1], dict):
        item = ours[1]  # a WebSocket frame: [head, body]
    if not isinstance(item, dict):
        item = {}
    if recorded.get("errorCode") != item.get("errorCode"):
        out.add("value:body.errors[0].errorCode", recorded.get("errorCode"), item.get("errorCode"))
    message = item.get("message")
    if not (isinstance(message, str) and _template(recorded.get("message", "")).match(message)):
        out.add("value:body.errors[0].message", recorded.get("message"), message)


# -- the state each entry needs ----------------------------------------------------------------
@cache
def _fixture(folder: str) -> str:
    """The default directory plus the corpus's apps, as a fixture file in `folder`."""
    data = directory_to_dict(build_directory())
    # Two users the seed never makes: one Disabled, one NotActivated (the recorded user object
    # and the PRS-105 refusal are about them); the last plain users of the first account.
    members = {
        m["id"]
        for e in data["accounts"][0]["extensions"]
        for m in e.get("queue", {}).get("members", [])
    }
    plain = [
        e
        for e in data["accounts"][0]["extensions"]
        if e["type"] == "User" and not e.get("admin") and e["id"] not in members
    ]
    plain[-1]["status"], plain[-2]["status"] = "Disabled", "NotActivated"
    data["apps"].append(
        {
            "clientId": LIMITED_ID,
            "clientSecret": "limitedSecret",
            "name": "limited app",
            "permissions": list(LIMITED_PERMISSIONS),
        }
    )
    data["apps"].append(
        {"clientId": PUBLIC_ID, "clientSecret": "unused", "name": "spa", "public": True}
    )
    path = Path(folder) / "recorded-directory.json"
    path.write_text(json.dumps(data))
    return str(path)


class Emulators:
    """One emulator (and app) per distinct settings an entry asks for, built once."""

    def __init__(self, folder: Path, hook: str, silent: str = "", closed: str = "") -> None:
        self.folder = folder
        self.hook = hook  # a WebHook receiver's address on loopback
        self.silent = silent  # one that does not echo the handshake's token
        self.closed = closed  # a loopback address nothing listens at
        self.built: dict[str, tuple[Emulator, Flask]] = {}

    def get(self, settings: dict[str, Any]) -> tuple[Emulator, Flask]:
        key = json.dumps(settings, sort_keys=True)
        if key not in self.built:
            emulator = Emulator.from_settings(
                Settings(fixture=_fixture(str(self.folder)), validate_responses=True, **settings)
            )
            app = create_app(emulator=emulator)
            app.testing = True
            self.built[key] = (emulator, app)
        return self.built[key]


@dataclass
class Scene:
    """The emulator's state for one entry, and the values its request's placeholders take."""

    emulator: Emulator
    client: Client
    names: dict[str, str]
    headers: dict[str, str]

    def fill(self, text: str) -> str:
        for name, value in self.names.items():
            text = text.replace("{" + name + "}", value)
        return text


def _users(emulator: Emulator) -> Iterator[Any]:
    account = emulator.directory.accounts[0]
    return (e for e in account.extensions if e.type.is_user and e.status == "Enabled")


def build_scene(emulators: Emulators, entry: Entry) -> Scene:
    scene = entry.data.get("scene", {})
    emulator, app = emulators.get(scene.get("settings", {}))
    emulator.reset()
    emulator.clock.reset()
    client = app.test_client()
    directory = emulator.directory
    account = directory.accounts[0]
    admin = account.administrator
    standard = next(e for e in _users(emulator) if not e.admin)
    caller = {"admin": admin, "user": standard}[scene.get("caller", "admin")]
    # Another user on no call and in no meeting, as the recorded "other user" examples are.
    other = next(
        e
        for e in _users(emulator)
        if e.id not in (caller.id, admin.id) and not e.active_calls and e.meeting_status is None
    )
    names = {
        "account": str(account.id),
        "me": str(caller.id),
        "other": str(other.id),
        "admin": str(admin.id),
        "unknown": str(UNKNOWN_ID),
        "nonuser": str(next(e.id for e in account.extensions if e.type == ExtensionType.IVR_MENU)),
        "hook": emulators.hook,
        "silentHook": emulators.silent,
        "closedHook": emulators.closed,
        "otherAccount": str(directory.accounts[1].id),
        "clientId": directory.apps[0].client_id,
        "publicClientId": PUBLIC_ID,
        "challenge": s256(VERIFIER),
        "verifier": VERIFIER,
        "callback": CALLBACK,
        "basic": app_auth(directory.apps[0]),
    }
    queue = next(e for e in account.extensions if e.members)
    names["queue"] = str(queue.id)
    names["member"] = str(queue.members[0].extension_id)
    names["otherMember"] = str(queue.members[-1].extension_id)
    for status in ("Disabled", "NotActivated"):
        found = next(e for e in account.extensions if e.type.is_user and e.status == status)
        names[status[0].lower() + status[1:]] = str(found.id)
    auth = scene.get("auth", "bearer")
    headers: dict[str, str] = {}
    if auth in ("bearer", "expired"):
        headers = bearer_headers(client, directory.apps[0], caller)
    elif auth == "limited":
        limited = next(a for a in directory.apps if a.client_id == LIMITED_ID)
        headers = bearer_headers(client, limited, caller)
    elif auth == "unknown-token":
        headers = {"Authorization": "Bearer U1BCMDFUMDRKV1MwMXxzLFSvXdw5PHMsVLEn_Mrtcy"}
    elif auth == "basic":
        headers = {"Authorization": app_auth(directory.apps[0])}
    elif auth == "basic-wrong":
        headers = {"Authorization": app_auth_wrong(directory.apps[0].client_id)}
    elif auth == "malformed":
        headers = {"Authorization": "Token abc"}
    if auth == "bearer" or auth == "expired":
        names["token"] = headers["Authorization"].removeprefix("Bearer ")
    names["jwt"] = credential_jwt(caller)
    names["username"] = caller.phone_number or account.main_number
    names["extension"] = caller.number
    admin_headers = bearer_headers(client, directory.apps[0], admin)
    for target, body in scene.get("presence", {}).items():
        path = f"/restapi/v1.0/account/~/extension/{names.get(target, target)}/presence"
        answer = client.put(path, json=body, headers=admin_headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    for target, body in scene.get("unified", {}).items():
        # Unified presence is changed by its owner only: logged in as them.
        owner = account.by_id[int(names[target])]
        path = f"/restapi/v1.0/account/~/extension/{owner.id}/unified-presence"
        own = bearer_headers(client, directory.apps[0], owner)
        answer = client.patch(path, json=body, headers=own)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    for step in scene.get("steps", []):
        if step == "failing-hook":
            # A receiver that answers the handshake with a 500, in process.
            emulator.events.transport.receivers[FAILING] = lambda _outgoing: Answer(500)
            continue
        _STEPS[step](client, names, admin_headers)
    if auth == "expired":
        emulator.clock.change(advance=4000)
    if "advance" in scene:
        emulator.clock.change(advance=scene["advance"])
    return Scene(emulator, client, names, headers)


def app_auth_wrong(client_id: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:wrongSecret".encode()).decode()


def _mock(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(f"/_mock{path}", json=body)
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    found: dict[str, Any] = answer.get_json()
    return found


def _place_call(client: Client, names: dict[str, str], headers: dict[str, str]) -> None:
    """The caller on an outbound call to an outside number, answered (RingOut-like)."""
    call = _mock(
        client, "/calls", {"from": names["me"], "to": "+18552055108", "name": "Jane Smith"}
    )
    _mock(client, f"/calls/{call['telephonySessionId']}/answer", {})


def _ring_queue(client: Client, names: dict[str, str], headers: dict[str, str]) -> None:
    """An outside caller ringing the queue of {member}, not yet answered."""
    body = {"queueId": names["queue"], "from": "+18442054090", "name": "John Smith"}
    _mock(client, "/queue-calls", body)


def _subscribe(client: Client, names: dict[str, str], headers: dict[str, str]) -> None:
    body = {
        "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence"],
        "deliveryMode": {"transportType": "WebHook", "address": names["hook"]},
    }
    answer = client.post("/restapi/v1.0/subscription", json=body, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    names["subscription"] = answer.get_json()["id"]


def _login(client: Client, names: dict[str, str], headers: dict[str, str]) -> None:
    """A JWT login of the caller: {access} and {refresh} are its tokens."""
    answer = client.post(
        "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": names["jwt"]},
        headers={"Authorization": names["basic"]},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    names["access"] = answer.get_json()["access_token"]
    names["refresh"] = answer.get_json()["refresh_token"]


def _code(client: Client, names: dict[str, str], headers: dict[str, str]) -> None:
    """An authorization code for the public app, with PKCE (S256): {code}."""
    query = {
        "response_type": "code",
        "client_id": PUBLIC_ID,
        "redirect_uri": CALLBACK,
        "state": "xyz",
        "code_challenge": names["challenge"],
        "code_challenge_method": "S256",
    }
    answer = client.get("/restapi/oauth/authorize", query_string=query)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    names["code"] = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


_STEPS: dict[str, Callable[[Client, dict[str, str], dict[str, str]], None]] = {
    "login": _login,
    "code": _code,
    "call": _place_call,
    "ring-queue": _ring_queue,
    "subscribe": _subscribe,
}


# -- replaying ---------------------------------------------------------------------------------
@dataclass
class Replayed:
    status: int
    headers: dict[str, str]
    body: Any


def replay(emulators: Emulators, entry: Entry) -> Replayed:
    if entry.data["request"]["method"] == "WEBSOCKET":
        return replay_socket(emulators, entry)
    scene = build_scene(emulators, entry)
    request = entry.data["request"]
    path = scene.fill(request["path"])
    query = {k: scene.fill(str(v)) for k, v in request.get("query", {}).items()}
    headers = dict(scene.headers)
    headers.update({k: scene.fill(v) for k, v in request.get("headers", {}).items()})
    kwargs: dict[str, Any] = {"query_string": query, "headers": headers}
    if "form" in request:
        kwargs["data"] = {k: scene.fill(str(v)) for k, v in request["form"].items()}
    elif "json" in request:
        kwargs["data"] = scene.fill(json.dumps(request["json"]))
        headers["Content-Type"] = "application/json"
    elif "raw" in request:
        kwargs["data"] = request["raw"]
    answer = None
    for _ in range(int(entry.data.get("scene", {}).get("repeat", 1))):
        answer = scene.client.open(path, method=request["method"], **kwargs)
    assert answer is not None
    return Replayed(answer.status_code, dict(answer.headers), _body(answer))


def _body(answer: TestResponse) -> Any:
    text = answer.get_data(as_text=True)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- replaying over the gateway's WebSocket ----------------------------------------------------
def replay_socket(emulators: Emulators, entry: Entry) -> Replayed:
    """Run the entry's script against the gateway (in process, on a loopback port) and return
    the frame it marks with `compare`: its meta's status and the frame as the body."""
    scene = build_scene(emulators, entry)
    return asyncio.run(_socket_script(scene, entry.data["request"]["script"]))


async def _socket_script(scene: Scene, script: list[dict[str, Any]]) -> Replayed:
    from aiohttp import WSMsgType
    from aiohttp.test_utils import TestClient, TestServer

    from mockserver.gateway.app import Gateway
    from mockserver.gateway.core import Core

    gateway = Gateway(Core(scene.emulator))
    compared: list[Any] = []
    saved: dict[str, str] = {}
    async with TestClient(TestServer(gateway.application(), host="127.0.0.1")) as http:
        socket = None
        for action in script:
            if "connect" in action:
                if socket is not None:
                    await socket.close()
                how = action["connect"]
                login = _login_headers(scene, fresh=how.get("session") == "new")
                grant = scene.client.post("/restapi/oauth/wstoken", headers=login).get_json()
                query = {"access_token": grant["ws_access_token"]}
                if how.get("wsc") == "saved":
                    query["wsc"] = saved["wsc"]
                elif how.get("wsc") == "malformed":
                    query["wsc"] = "not a token!"
                socket = await http.ws_connect("/ws", params=query)
            elif "send" in action:
                assert socket is not None
                sent = action["send"]
                await socket.send_str(
                    sent if isinstance(sent, str) else scene.fill(json.dumps(sent))
                )
            elif "rest" in action:
                rest = action["rest"]
                answer = scene.client.open(
                    scene.fill(rest["path"]),
                    method=rest["method"],
                    json=rest.get("json"),
                    headers=_login_headers(scene, fresh=False),
                )
                assert answer.status_code < 300, answer.get_data(as_text=True)
            elif "advance" in action:
                scene.emulator.clock.change(advance=action["advance"])
            elif "step" in action:
                _STEPS[action["step"]](scene.client, scene.names, _login_headers(scene, False))
            elif "expect" in action:
                assert socket is not None
                while True:
                    message = await socket.receive(timeout=10)
                    assert message.type == WSMsgType.TEXT, message
                    frame = json.loads(message.data)
                    if isinstance(frame[0].get("wsc"), dict):
                        saved["wsc"] = frame[0]["wsc"]["token"]
                    wanted = action.get("match", {})
                    body = frame[1].get("body", {}) if len(frame) > 1 else {}
                    found = all(body.get(k) == v for k, v in wanted.items())
                    if frame[0].get("type") == action["expect"] and found:
                        break
                if action.get("compare"):
                    compared.append(frame)
        if socket is not None:
            await socket.close()
    assert len(compared) == 1, "a script compares one frame"
    frame = compared[0]
    return Replayed(int(frame[0].get("status", 0)), {}, frame)


def _login_headers(scene: Scene, fresh: bool) -> dict[str, str]:
    """The scene's caller's Authorization header; `fresh`: a new OAuth session's."""
    if not fresh and scene.headers:
        return scene.headers
    owner = scene.emulator.directory.extension(int(scene.names["me"]))
    assert owner is not None
    return bearer_headers(scene.client, scene.emulator.directory.apps[0], owner)
