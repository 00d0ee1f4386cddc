"""Deliberately broken servers: the emulator with one contract rule broken, on a loopback port.

Each kind breaks exactly one thing the contract kit must catch; "fair"
breaks nothing but writes what a real server may: an extra field and `+0000` offsets.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, request
from flask import Request as FlaskRequest
from werkzeug.serving import make_server

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.events.delivery import Deliverer
from mockserver.events.webhooks import Answer, Outgoing
from mockserver.runtime.background import in_thread
from mockserver.web.app import create_app

ACCOUNT = re.compile(r"/restapi/v1\.0/account/[^/]+/presence")
EXTENSION = re.compile(r"/restapi/v1\.0/account/[^/]+/extension/[^/,]+/presence")
EXTENSIONS = re.compile(r"/restapi/v1\.0/account/[^/]+/extension")
AGENT = re.compile(r"/restapi/v1\.0/account/[^/]+/extension/[^/]+/call-queue-presence")
QUEUE = re.compile(r"/restapi/v1\.0/account/[^/]+/call-queues/[^/]+/presence")
MULTIPART_JSON = "application/vnd.ringcentral.multipart+json"
Body = dict[str, Any]


class BrokenEmulator(Emulator):
    """The emulator's services with one rule broken; `serving` runs them on a real server."""

    def __init__(self, kind: str) -> None:
        base = Emulator.from_settings(Settings())
        super().__init__(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
        self.kind = kind
        batch, update = self.presence.read_batch, self.presence.update
        if kind == "batch-order":

            def reversed_batch(*args: Any) -> tuple[Body, list[Body]]:
                status, bodies = batch(*args)
                return {"response": status["response"][::-1]}, bodies[::-1]

            self.presence.read_batch = reversed_batch  # type: ignore[method-assign]
        if kind == "no-404-part":

            def without_404(*args: Any) -> tuple[Body, list[Body]]:
                status, bodies = batch(*args)
                keep = [i for i, item in enumerate(status["response"]) if item["status"] != 404]
                items = [status["response"][i] for i in keep]
                return {"response": items}, [bodies[i] for i in keep]

            self.presence.read_batch = without_404  # type: ignore[method-assign]
        if kind == "accepts-31":

            def no_limit(base: str, caller: Any, account: str, ids: list[str], view: Any) -> Any:
                return batch(base, caller, account, ids[:30], view)

            self.presence.read_batch = no_limit  # type: ignore[method-assign]
        # Subscriptions and events.
        if kind == "subscription-no-handshake":
            self.events.subscriptions.handshake = None
        if kind == "event-not-published":
            self.presence._listeners.clear()
        if kind == "sequence-stuck":
            send = self.events.transport.send

            def stuck(outgoing: Outgoing) -> Answer:
                if outgoing.body:
                    envelope = json.loads(outgoing.body)
                    envelope["body"]["sequence"] = 1
                    outgoing = Outgoing(
                        outgoing.address, outgoing.headers, json.dumps(envelope).encode()
                    )
                return send(outgoing)

            self.events.transport.send = stuck  # type: ignore[method-assign]
        if kind == "put-not-reflected":

            def forgetful(*args: Any) -> Body:
                answer = update(*args)
                self.store.reset()  # answers the change, keeps nothing
                return answer

            self.presence.update = forgetful  # type: ignore[method-assign]

    def app(self) -> Flask:
        app = create_app(emulator=self)
        app.after_request(self.edit)
        return app

    def edit(self, response: Response) -> Response:
        edit = JSON_EDITS.get(self.kind)
        if self.kind == "quoted-boundary" and response.status_code == 207:
            kind = response.headers["Content-Type"]
            response.headers["Content-Type"] = re.sub(r"boundary=(\S+)", r'boundary="\1"', kind)
        elif self.kind == "batch-200" and response.status_code == 207:
            response.status_code = 200
        elif self.kind == "batch-json-ignored" and MULTIPART_JSON in request.headers.get(
            "Accept", ""
        ):
            response.headers["Content-Type"] = "application/json"
        elif self.kind == "per-page-zero-refused" and request.args.get("perPage") == "0":
            response.status_code = 400
        elif self.kind == "rate-headers":
            response.headers.update(
                {
                    "X-Rate-Limit-Group": "light",
                    "X-Rate-Limit-Limit": "50",
                    "X-Rate-Limit-Remaining": "51",
                    "X-Rate-Limit-Window": "60",
                }
            )
        elif edit and response.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(response.get_data())
            changed = edit(request, response.status_code, body)
            response.set_data(json.dumps(changed).encode())
        return response


def _paging(request: FlaskRequest, status: int, body: Any) -> Any:
    if ACCOUNT.fullmatch(request.path) and "pageEnd" in body.get("paging", {}):
        body["paging"]["pageEnd"] += 1
    return body


def _no_next(request: FlaskRequest, status: int, body: Any) -> Any:
    if ACCOUNT.fullmatch(request.path) and status == 200:
        body["navigation"].pop("nextPage", None)
    return body


def _twice(request: FlaskRequest, status: int, body: Any) -> Any:
    if ACCOUNT.fullmatch(request.path) and len(body.get("records", [])) >= 2:
        body["records"][-1] = body["records"][0]
    return body


def _no_parameter(request: FlaskRequest, status: int, body: Any) -> Any:
    if status == 400:
        body.pop("parameterName", None)
        for item in body.get("errors", []):
            item.pop("parameterName", None)
    return body


def _away(request: FlaskRequest, status: int, body: Any) -> Any:
    if EXTENSION.fullmatch(request.path) and body.get("presenceStatus") == "Available":
        body["presenceStatus"] = "Away"
    return body


def _leak(request: FlaskRequest, status: int, body: Any) -> Any:
    # Echo the caller's bearer token where the kit will quote it in a failure.
    if EXTENSION.fullmatch(request.path) and status == 200:
        body["presenceStatus"] = request.headers.get("Authorization")
    return body


def _fair(request: FlaskRequest, status: int, body: Any) -> Any:
    def restyle(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: restyle(v) for k, v in value.items()}
        if isinstance(value, list):
            return [restyle(v) for v in value]
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", value):
            # the platform's own style (docs/contract.md#presence-record)
            return value[:-1] + "+0000"
        return value

    if EXTENSION.fullmatch(request.path) and status == 200:
        body["newPlatformField"] = {"since": "2027"}
    return restyle(body)


def _extension_id_text(request: FlaskRequest, status: int, body: Any) -> Any:
    if EXTENSIONS.fullmatch(request.path) and status == 200:
        for record in body.get("records", []):
            record["id"] = str(record["id"])
    return body


def _non_user_telephony(request: FlaskRequest, status: int, body: Any) -> Any:
    # A non-user record that says more than Offline (docs/contract.md#non-user-extensions).
    if EXTENSION.fullmatch(request.path) and set(body) == {"uri", "extension", "presenceStatus"}:
        body["telephonyStatus"] = "NoCall"
    return body


def _agent_disagrees(request: FlaskRequest, status: int, body: Any) -> Any:
    if AGENT.fullmatch(request.path) and status == 200:
        for record in body.get("records", []):
            record["acceptCalls"] = not record["acceptCalls"]
    return body


def _queue_ignores_dnd(request: FlaskRequest, status: int, body: Any) -> Any:
    if QUEUE.fullmatch(request.path) and status == 200:
        for record in body.get("records", []):
            record["acceptQueueCalls"] = True
    return body


def _unified_away(request: FlaskRequest, status: int, body: Any) -> Any:
    if request.path.endswith("/unified-presence") and status == 200:
        body["status"] = "Away"
    return body


def _calls_without_paging(request: FlaskRequest, status: int, body: Any) -> Any:
    if request.path.endswith("/active-calls") and status == 200:
        body.pop("paging", None)
    return body


JSON_EDITS: dict[str, Callable[[FlaskRequest, int, Any], Any]] = {
    "paging-arithmetic": _paging,
    "missing-next-link": _no_next,
    "listed-twice": _twice,
    "cmn101-no-parameter": _no_parameter,
    "presence-away": _away,
    "leaks-token": _leak,
    "fair": _fair,
    "extension-id-text": _extension_id_text,
    "non-user-telephony": _non_user_telephony,
    "agent-view-disagrees": _agent_disagrees,
    "queue-ignores-dnd": _queue_ignores_dnd,
    "unified-away": _unified_away,
    "calls-without-paging": _calls_without_paging,
}


@contextmanager
def serving(emulator: BrokenEmulator) -> Iterator[str]:
    """Serve `emulator` on a free loopback port; yields its base URL."""
    # WebHooks, as `serve` delivers them.
    deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock)
    _, stop = in_thread(deliverer.run, "presence-webhooks")
    try:
        with serving_wsgi(emulator.app()) as url:
            yield url
    finally:
        stop.set()


@contextmanager
def serving_wsgi(app: Any) -> Iterator[str]:
    """Serve a WSGI `app` on a free loopback port with werkzeug, in a thread; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# What the contract kit says on each broken server (fnmatch lines of its output), and the
# surface (presence_mock_kit/surfaces.py) whose rule each breaks.
KIT_BREAKS: list[tuple[str, str, list[str]]] = [
    (
        "paging-arithmetic",
        "presence",
        ["*$.paging.pageEnd*", "*pageEnd = min(pageStart + perPage*"],
    ),
    (
        "missing-next-link",
        "presence",
        ["*at $.navigation.nextPage*", "*nextPage is present (docs/contract.md#paging)*"],
    ),
    ("listed-twice", "presence", ["*each extension exactly once across all pages*"]),
    (
        "quoted-boundary",
        "presence",
        ["*an unquoted token (docs/contract.md#batch)*", '*boundary="Boundary_*'],
    ),
    (
        "batch-200",
        "presence",
        [
            "*rule: the status the platform answers to this request*",
            "*found: 200*",
            "*expected: 207*",
        ],
    ),
    ("batch-order", "presence", ["*in request order (docs/contract.md#batch)*"]),
    (
        "no-404-part",
        "presence",
        ["*a part of its own for the unknown ID (docs/contract.md#batch)*"],
    ),
    (
        "accepts-31",
        "presence",
        ["*test_thirty_one_ids_are_refused*", "*found: 207*", "*expected: 400*"],
    ),
    (
        "cmn101-no-parameter",
        "presence",
        ["*at $.parameterName*", "*the parameter at fault is named*"],
    ),
    (
        "presence-away",
        "presence",
        [
            "GET http://127.0.0.1:*/extension/~/presence?detailed*=false* (answered 200)",
            "  at $.presenceStatus",
            "  rule: one of the values the API defines (schema presence-info-response: enum)",
            "  found: 'Away'",
            "  expected: one of 'Offline', 'Busy', 'Available'",
        ],
    ),
    (
        "put-not-reflected",
        "presence",
        ["*single read: $.userStatus*", "*a PUT shows in single, batch*"],
    ),
    ("rate-headers", "presence", ["*X-Rate-Limit-Remaining header*", "*0 <= Remaining <= Limit*"]),
    # The rest of the Presence tag, the directory and active calls.
    (
        "extension-id-text",
        "directory",
        ["*test_extension_list_conforms_and_pages*", "*schema get-extension-list-response: type*"],
    ),
    (
        "non-user-telephony",
        "directory",
        ["*a non-user record holds only uri, extension and presenceStatus*"],
    ),
    (
        "agent-view-disagrees",
        "queues",
        ["*acceptCalls = the queue view's acceptCurrentQueueCalls*"],
    ),
    ("queue-ignores-dnd", "queues", ["*acceptQueueCalls mirrors the member's dndStatus*"]),
    (
        "unified-away",
        "unified",
        [
            "*rule: one of the values the API defines (schema unified-presence: enum)*",
            "*found: 'Away'*",
        ],
    ),
    (
        "calls-without-paging",
        "calls",
        ["*rule: a field the API always sends (schema call-log-response: required)*"],
    ),
    (
        "batch-json-ignored",
        "presence",
        ["*the batch as JSON when asked by Accept (docs/contract.md#batch-json)*"],
    ),
    (
        "per-page-zero-refused",
        "presence",
        ["*test_per_page_zero_is_an_empty_result*", "*expected: 200*"],
    ),
    # Subscriptions and events.
    (
        "subscription-no-handshake",
        "subscriptions",
        ["*create POSTs a Validation-Token handshake*", "*test_a_handshake_that_is_not_echoed*"],
    ),
    (
        "event-not-published",
        "subscriptions",
        ["*a PUT produces the matching event at the subscription's address*"],
    ),
    (
        "sequence-stuck",
        "subscriptions",
        ["*sequence grows with each event of an extension (docs/contract.md#event-bodies)*"],
    ),
]
