"""The gateway's wire: JSON arrays `[meta]` or `[meta, body]` (docs/contract.md#websocket-frames).

Every frame the gateway sends is an array whose element 0 has `type`, `messageId`, `status` and
`headers` with `RCRequestId`: the Python SDK 0.9.2 reads `[0]["type"]` (and `["headers"]` of a
`ClientRequest`) from every frame and dies on a missing key (docs/contract.md#sdk-compat).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import orjson

Frame = list[Any]

# The values the platform's ConnectionDetails sample carries (docs/contract.md#websocket-connect).
RECOVERY_BUFFER_SIZE = 100
RECOVERY_TIMEOUT = 180
IDLE_TIMEOUT = 1800
ABSOLUTE_TIMEOUT = 86400
MAX_ACTIVE_REQUESTS = 10
MAX_CONNECTIONS_PER_SESSION = 50

MALFORMED = "WSG-808"  # the frame could not be parsed (RingCentral.Net #57)
IDLE = "WSG-902"
ABSOLUTE = "WSG-903"
NO_SUBSCRIPTION = "WSG-1005"  # recovery: the session had no subscription (or is gone)
OTHER_SESSION = "WSG-1003"  # recovery: a different OAuth session
BAD_WSC = "WSG-400"  # a malformed recovery token: the socket is closed
# The OAuth session was revoked: the code the upgrade answers that session's tokens with (401),
# then the socket is closed (docs/decisions.md GW-4).
REVOKED = "OAU-213"

# The platform names the codes, not the statuses (docs/contract.md#websocket-timeouts): the
# statuses are a choice (decision WS-10).
ERROR_STATUS = {MALFORMED: 400, BAD_WSC: 400, IDLE: 408, ABSOLUTE: 408, REVOKED: 401}
ERROR_MESSAGES = {
    MALFORMED: "Unable to parse the message.",
    # The recorded words (decision FID-20): the guide's heartbeats page, and a live experiment
    # with a fake `wsc` (tylerlong/rc-ws-recover-test).
    IDLE: "Idle timeout expired",
    ABSOLUTE: "Absolute timeout expired",
    BAD_WSC: "Malformed WebSocket session context token",
    REVOKED: "Token not found",
}


class Malformed(ValueError):
    """A client frame that is not `[{...}]` or `[{...}, body]` with a known `type`."""


@dataclass(frozen=True, slots=True)
class ClientFrame:
    type: str
    message_id: str
    meta: dict[str, Any]
    body: Any  # None when the frame has one element
    has_body: bool


CLIENT_TYPES = frozenset({"ClientRequest", "Heartbeat"})


def parse(text: str | bytes) -> ClientFrame:
    try:
        found = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise Malformed("not JSON") from None
    if not isinstance(found, list) or not 1 <= len(found) <= 2 or not isinstance(found[0], dict):
        raise Malformed("expected [meta] or [meta, body]")
    meta = found[0]
    kind = meta.get("type")
    if kind not in CLIENT_TYPES:
        raise Malformed("unknown type")
    message_id = meta.get("messageId", "")
    if not isinstance(message_id, str):
        raise Malformed("messageId")
    if kind == "ClientRequest" and not (
        isinstance(meta.get("method"), str) and isinstance(meta.get("path"), str)
    ):
        raise Malformed("method and path")
    body = found[1] if len(found) == 2 else None
    if len(found) == 2 and body is None and kind == "ClientRequest":
        raise Malformed("null body")  # NET #57: the live gateway answers WSG-808 to this
    return ClientFrame(str(kind), message_id, meta, body, len(found) == 2)


def new_id() -> str:
    """A random (version 4) UUID's text, as `str(uuid.uuid4())` writes it, without building a
    `UUID` or a system call per frame (one per frame the gateway sends). An opaque ID, not a
    secret: the interpreter's generator, reseeded in each forked process, is random enough."""
    h = f"{random.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


_VARIANT = "89ab"  # RFC 4122: the variant's top two bits are 10


def meta(
    kind: str, message_id: str, status: int = 200, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "type": kind,
        "messageId": message_id,
        "status": status,
        "headers": {"RCRequestId": new_id(), **(headers or {})},
    }


def encode(frame: Frame) -> str:
    return orjson.dumps(frame).decode()


def encode_bytes(frame: Frame) -> bytes:
    """`encode` as the UTF-8 bytes a text frame carries: no text made only to be encoded again
    (what every notification takes; the outbox and the socket take either)."""
    return orjson.dumps(frame)


def reply(
    message_id: str, status: int, body: Any = None, headers: dict[str, str] | None = None
) -> Frame:
    """A `ClientRequest` reply (typed ClientRequest); no body element for 204."""
    extra = {"Content-Type": "application/json"} if body is not None else {}
    head = meta("ClientRequest", message_id, status, {**extra, **(headers or {})})
    return [head] if body is None else [head, body]


def error(code: str, message_id: str | None = None, message: str | None = None) -> Frame:
    head = meta("Error", message_id or new_id(), ERROR_STATUS.get(code, 400))
    return [head, {"errorCode": code, "message": message or ERROR_MESSAGES.get(code, code)}]


def heartbeat(client: ClientFrame) -> Frame:
    """The client's Heartbeat echoed (decision WS-13), with the fields every frame carries."""
    return [{**client.meta, **meta("Heartbeat", client.message_id)}]


def platform_time(seconds: float) -> str:
    """`2020-09-07T21:50:02.737+0000`, as ConnectionDetails' creationTime is written."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{whole}.{int(seconds * 1000) % 1000:03d}+0000"


def connection_details(
    now: float, wsc: dict[str, Any], recovery: tuple[str, str | None] | None
) -> Frame:
    """The first frame (docs/contract.md#websocket-connect); `recovery` = (state, error code) when
    `wsc=` was given."""
    head = meta("ConnectionDetails", new_id())
    head["wsc"] = wsc
    body: dict[str, Any] = {
        "creationTime": platform_time(now),
        "maxConnectionsPerSession": MAX_CONNECTIONS_PER_SESSION,
        "recoveryBufferSize": RECOVERY_BUFFER_SIZE,
        "recoveryTimeout": RECOVERY_TIMEOUT,
        "idleTimeout": IDLE_TIMEOUT,
        "absoluteTimeout": ABSOLUTE_TIMEOUT,
        "maxActiveRequests": MAX_ACTIVE_REQUESTS,
    }
    if recovery is not None:
        state, code = recovery
        body["recoveryState"] = state
        if code is not None:
            body["recoveryErrorCode"] = code
    return [head, body]


def notification(envelope: dict[str, Any], wsc: dict[str, Any]) -> Frame:
    """A `ServerNotification`: the message ID is the event's uuid, as in the
    sample; `wsc` rides on every one (decision WS-8)."""
    head = meta("ServerNotification", str(envelope.get("uuid") or new_id()))
    head["wsc"] = wsc
    return [head, envelope]
