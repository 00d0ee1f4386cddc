"""A deliberately different upstream for the record/replay/drift tests: the emulator's own app,
changed in known ways on the wire, served on a loopback port by werkzeug in a thread.

Its differences from the emulator (what drift must report, and nothing else):
* readUserPresenceStatus: an extra field `presenceSource` (a string) and `telephonyStatus`
  "Unknown" where the emulator says "NoCall";
* readAccountInfo: `id` as a string;
* every answer: a header `X-Upstream-Version`;
* a 404: errorCode `XYZ-404` instead of CMN-102.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from mockserver.config import Settings
from mockserver.web.app import create_app
from tests.support.broken_servers import serving_wsgi

WSGIEnviron = dict[str, Any]


class Different:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, environ: WSGIEnviron, start_response: Any) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.inner(environ, capture))
        status: str = captured["status"]
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("X-Upstream-Version", "2"))
        kind = dict((k.lower(), v) for k, v in headers).get("content-type", "")
        if kind.startswith("application/json") and body:
            data = json.loads(body)
            body = json.dumps(self._changed(environ, status, data)).encode()
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    @staticmethod
    def _changed(environ: WSGIEnviron, status: str, data: Any) -> Any:
        path = environ["PATH_INFO"]
        if status.startswith("404") and isinstance(data, dict):
            data["errorCode"] = "XYZ-404"
            data["errors"][0]["errorCode"] = "XYZ-404"
        elif path.endswith("/presence") and "/extension/" in path and isinstance(data, dict):
            data["presenceSource"] = "Desk"
            if data.get("telephonyStatus") == "NoCall":
                data["telephonyStatus"] = "Unknown"
        elif path.rstrip("/").count("/") == 4 and path.startswith("/restapi/v1.0/account/"):
            data["id"] = str(data["id"])
        return data


@contextmanager
def fake_upstream() -> Iterator[str]:
    app = create_app(Settings(validate_responses=False))
    with serving_wsgi(Different(app.wsgi_app)) as url:
        yield url


# -- an upstream that answers with planted secrets and personal data ------------------------------
# Every value here must be scrubbed from a recording (tests/e2e/test_recording_scrub.py): each
# kind a real platform's answer or a client's request can carry, one recognisable value per kind.
PLANTED = {
    "ws_access_token": "WsTok-planted-0001",
    "verificationToken": "VerifTok-planted-0002",
    "hook_password": "HookPass-planted-0003",
    "hook_query": "QueryTok-planted-0004",
    "hook_other_query": "Tenant-planted-0005",
    "code": "Code-planted-0006",
    "state": "State-planted-0007",
    "business_phone": "(650) 555-0142",
    "mobile_phone": "650.555.0199",
    "free_text_phone": "650-555-0123",
    "street": "742 Evergreen Terrace",
    "city": "Springfieldplanted",
    "department": "Skunkworksplanted",
    "party_name": "Partyname Plantedperson",
    "sip_ipv4": "10.13.37.42",
    "sip_other_ipv4": "172.16.9.8",
    "sip_ipv6": "fd00::bad:1",
    "answer_auth_header": "AuthTok-planted-0009",
    "bearer_in_text": "opaque-planted-0014",
    "named_field": "Ref-planted-0010",
    "named_header": "Tenant-planted-0012",
}
HOOK_ADDRESS = (
    f"https://hookuser:{PLANTED['hook_password']}@hooks.internal.test/in"
    f"?token={PLANTED['hook_query']}&tenant={PLANTED['hook_other_query']}"
)


def _planted_app() -> Any:
    from flask import Flask, Response, request

    app = Flask("planted_upstream")

    @app.get("/_mock/health")
    def health() -> Any:
        return {"status": "ok"}

    @app.get("/restapi/oauth/authorize")
    def authorize() -> Response:
        target = f"http://127.0.0.1:9/cb?code={PLANTED['code']}&state={PLANTED['state']}"
        return Response(b"", 302, {"Location": target})

    @app.post("/restapi/oauth/wstoken")
    def wstoken() -> Any:
        return {"uri": "ws://127.0.0.1:9/ws", "ws_access_token": PLANTED["ws_access_token"]}

    @app.post("/restapi/v1.0/subscription")
    def subscription() -> Any:
        sent = request.get_json()
        return {"id": "2f2a3d6e-1b4c-4d5e-8f90-a1b2c3d4e5f6", "deliveryMode": sent["deliveryMode"]}

    @app.get("/restapi/v1.0/account/~/extension/~")
    def extension() -> Any:
        answer = {
            "id": 62000001,
            "extensionNumber": "101",
            "contact": {
                "firstName": "A",
                "lastName": "B",
                "businessPhone": PLANTED["business_phone"],
                "mobilePhone": PLANTED["mobile_phone"],
                "department": PLANTED["department"],
                "businessAddress": {
                    "street": PLANTED["street"],
                    "city": PLANTED["city"],
                    "country": "US",
                },
            },
            "comment": f"call me at {PLANTED['free_text_phone']}",
            "internalRef": PLANTED["named_field"],
        }
        headers = {
            "X-Auth-Token": PLANTED["answer_auth_header"],
            "X-Debug": f"Bearer {PLANTED['bearer_in_text']}",
        }
        return answer, 200, headers

    @app.get("/restapi/v1.0/account/~/extension/~/presence")
    def presence() -> Any:
        return {
            "presenceStatus": "Busy",
            "activeCalls": [
                {
                    "id": "call-1",
                    "direction": "Inbound",
                    "partyName": PLANTED["party_name"],
                    "sipData": {
                        "toTag": "t",
                        "remoteUri": f"sip:+16505550100@{PLANTED['sip_ipv4']}:5060",
                        "localUri": f"sip:101@[{PLANTED['sip_ipv6']}]:5060",
                        "via": f"SIP/2.0/UDP {PLANTED['sip_other_ipv4']};branch=z9",
                    },
                }
            ],
        }

    return app


@contextmanager
def planted_upstream() -> Iterator[str]:
    with serving_wsgi(_planted_app()) as url:
        yield url
