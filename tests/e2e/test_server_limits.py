"""The served limits: through granian, oversized requests get the platform's JSON refusals,
and a request the server cannot parse is a 4xx, never a 5xx or a traceback."""

from __future__ import annotations

import json
import os
import re
import socket

import pytest

from tests.support.live_server import serving


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000, 431),
        (b"GET /restapi/v1.0/account/~/presence?" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x", 414),
    ],
)
def test_oversized_requests_are_refused_in_the_platforms_shape(tmp_path, request_bytes, status):
    with serving(tmp_path) as url:
        port = int(url.rsplit(":", 1)[1])
        found, headers, body = raw(port, request_bytes + b"\r\nConnection: close\r\n\r\n")
    assert found == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["errors"][0]["errorCode"] == "CMN-101"


def test_a_request_the_server_cannot_read_is_a_400(tmp_path):
    with serving(tmp_path) as url:
        port = int(url.rsplit(":", 1)[1])
        found, _, body = raw(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert found == 400
    assert b"Traceback" not in body


def test_the_servers_own_messages_are_written_in_the_emulators_format(tmp_path):
    # More workers than cores: granian warns about it, through the emulator's logging.
    workers = str((os.cpu_count() or 1) + 1)
    with serving(tmp_path, "--workers", workers):
        pass
    (log,) = tmp_path.glob("serve-*.log")
    lines = log.read_text().splitlines()
    [warning] = [line for line in lines if "higher than the amount of CPU cores" in line]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[serve\] ", warning), warning
    assert not [line for line in lines if "Logging error" in line or "Traceback" in line]
