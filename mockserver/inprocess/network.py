"""A fault the app injected, as the exception `requests` raises for it on a real socket.

The same exceptions (and causes) a client gets from `presence-mock serve`, where urllib3 meets
the broken connection (tests/e2e/test_chaos.py checks both modes agree): a reset or an empty
reply before any byte is `ConnectionError('Connection aborted.', ...)`, a cut body is
`ChunkedEncodingError` over `IncompleteRead`, and a stall is `ReadTimeout`, raised at once (the
client would time out, whatever its timeout; none is handed to the callback).
"""

from __future__ import annotations

from http.client import IncompleteRead, RemoteDisconnected

from requests import PreparedRequest
from requests.exceptions import ChunkedEncodingError, ConnectionError, ReadTimeout
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from mockserver.chaos import Fault, NetworkFault


def as_raised(fault: NetworkFault, prepared: PreparedRequest) -> Exception:
    if fault.kind == Fault.RESET:
        cause: Exception = ConnectionResetError(104, "Connection reset by peer")
        return ConnectionError(ProtocolError("Connection aborted.", cause), request=prepared)
    if fault.kind == Fault.TRUNCATE:
        short = IncompleteRead(fault.sent, fault.missing)
        broken = ProtocolError(f"Connection broken: {short!r}", short)
        return ChunkedEncodingError(broken, request=prepared)
    if fault.kind == Fault.STALL:
        timeout = ReadTimeoutError(None, prepared.url or "", "Read timed out.")  # type: ignore[arg-type]
        return ReadTimeout(timeout, request=prepared)
    disconnected = RemoteDisconnected("Remote end closed connection without response")
    return ConnectionError(ProtocolError("Connection aborted.", disconnected), request=prepared)
