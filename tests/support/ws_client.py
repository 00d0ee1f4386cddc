"""A plain WebSocket client of the gateway for the end-to-end tests (the `websockets` library's
synchronous client), and the REST calls around it: login, wstoken, a PUT of presence."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any

import requests
from websockets.client import ClientProtocol
from websockets.frames import Close
from websockets.protocol import State
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from tests.support.login import login_session

Frame = list[Any]
ME = "/restapi/v1.0/account/~/extension/~/presence"
SUBSCRIBE_PATH = "/restapi/v1.0/subscription/"  # with the Python SDK's trailing slash


@dataclass
class Client:
    """A logged-in REST session on a live server, and the gateway it announces."""

    url: str
    session: requests.Session

    @classmethod
    def login(cls, url: str) -> Client:
        return cls(url, login_session(url))

    def gateway(self) -> dict[str, Any]:
        return dict(requests.get(f"{self.url}/_mock/gateway", timeout=10).json())

    def ws_token(self) -> dict[str, Any]:
        answer = self.session.post(f"{self.url}/restapi/oauth/wstoken", timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def connect(self, wsc: str | None = None, token: dict[str, Any] | None = None) -> Socket:
        token = token or self.ws_token()
        query = f"?access_token={token['ws_access_token']}" + (f"&wsc={wsc}" if wsc else "")
        return Socket(connect(token["uri"] + query, proxy=None, open_timeout=10))

    def put_presence(self, body: dict[str, Any], path: str = ME) -> None:
        answer = self.session.put(self.url + path, json=body, timeout=10)
        assert answer.status_code == 200, answer.text

    def flip_status(self, path: str = ME) -> str:
        """Set the other of Available and Busy: a change every time (so an event)."""
        now = self.session.get(self.url + path, timeout=10).json()
        status = "Busy" if now.get("userStatus") == "Available" else "Available"
        self.put_presence({"userStatus": status}, path)
        return status

    def move_clock(self, seconds: float) -> None:
        answer = requests.post(f"{self.url}/_mock/clock", json={"advance": seconds}, timeout=10)
        assert answer.status_code == 200, answer.text


@dataclass
class Socket:
    connection: ClientConnection

    def send(self, frame: Frame) -> None:
        self.connection.send(json.dumps(frame))

    def receive(self, timeout: float = 5.0) -> Frame:
        found = json.loads(self.connection.recv(timeout=timeout))
        assert isinstance(found, list) and isinstance(found[0], dict), found
        # Every frame: type, messageId, status, headers with RCRequestId
        # (docs/contract.md#websocket-frames).
        assert {"type", "messageId", "status", "headers"} <= set(found[0]), found
        assert found[0]["headers"]["RCRequestId"], found
        return found

    def wait_for(self, kind: str, timeout: float = 5.0) -> Frame:
        """The next frame of type `kind`, skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.receive(max(0.01, deadline - time.monotonic()))
            if frame[0]["type"] == kind:
                return frame

    def request(self, method: str, path: str, body: Any = None, message_id: str = "m-1") -> Frame:
        meta = {"type": "ClientRequest", "messageId": message_id, "method": method, "path": path}
        self.send([meta] if body is None else [meta, body])
        reply = self.wait_for("ClientRequest")
        assert reply[0]["messageId"] == message_id
        return reply

    def subscribe(self, filters: list[str] | None = None) -> Frame:
        body = {
            "eventFilters": filters or [ME],
            "deliveryMode": {"transportType": "WebSocket"},
        }
        reply = self.request("POST", SUBSCRIBE_PATH, body)
        assert reply[0]["status"] == 200, reply
        return reply

    def close(self) -> None:
        self.connection.close()


class NonReader:
    """A WebSocket client that completes the upgrade, then only sends: the `websockets`
    library's sans-I/O protocol over a plain socket, so nothing reads in the background (its
    own client would, and would answer pings)."""

    def __init__(self, uri: str, receive_buffer: int | None = None) -> None:
        where = parse_uri(uri)
        self.protocol = ClientProtocol(where)
        self.socket = socket.socket()
        if receive_buffer is not None:  # set before connecting: it bounds the window offered
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.socket.settimeout(10)
        self.socket.connect((where.host, where.port))
        self.protocol.send_request(self.protocol.connect())
        self.socket.sendall(b"".join(self.protocol.data_to_send()))
        while self.protocol.state is State.CONNECTING and (data := self.socket.recv(65536)):
            self.protocol.receive_data(data)
        if self.protocol.state is not State.OPEN:
            raise ConnectionError(f"the upgrade failed: {self.protocol.handshake_exc}")

    def send(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self.socket.sendall(b"".join(self.protocol.data_to_send()))

    def ended(self, within: float) -> bool:
        """Read (at last) what the gateway sent: has it ended the connection within `within`
        seconds (a FIN or a reset after whatever it wrote)?"""
        deadline = time.monotonic() + within
        try:
            while (left := deadline - time.monotonic()) > 0:
                self.socket.settimeout(left)
                data = self.socket.recv(1 << 20)
                if not data:
                    return True
                self.protocol.receive_data(data)
        except TimeoutError:
            return False
        except OSError:
            return True  # reset
        return False

    def close_code(self) -> int | None:
        """The code of the close frame the gateway sent, if one came (read by `ended`)."""
        received = self.protocol.close_rcvd
        return received.code if isinstance(received, Close) else None

    def close(self) -> None:
        self.socket.close()


def wait_for_journal(client: Client, subscription: str, count: int) -> list[dict]:
    """The delivered-events journal of one subscription, once it has `count` entries."""
    deadline = time.monotonic() + 5
    while True:
        found = requests.get(
            f"{client.url}/_mock/events", params={"subscriptionId": subscription}, timeout=5
        ).json()["records"]
        if len(found) >= count or time.monotonic() > deadline:
            return list(found)
        time.sleep(0.1)
