"""What one request has learnt on its way through the app, kept on `flask.g` as one object.

The hooks fill it (the operation, the query, the caller, the rate-limit headers); the views read
it. One object read once per function keeps Flask's context-local lookups off the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from flask import Request, current_app, g
from werkzeug.exceptions import HTTPException

from mockserver.chaos import Fault
from mockserver.emulator import Emulator
from mockserver.http import DescribedRequest
from mockserver.operations import BY_ENDPOINT, Operation
from mockserver.platform.tokens import Caller
from mockserver.presence.parsing import first
from mockserver.validation.request_rules import RuleProblem

EXTENSION = "presence_mock"


def emulator_of(app: object) -> Emulator:
    return cast(Emulator, app.extensions[EXTENSION])  # type: ignore[attr-defined]


@dataclass(slots=True)
class State:
    emulator: Emulator
    request: Request
    started: float
    operation: Operation | None
    query: dict[str, list[str]]
    problems: list[RuleProblem] = field(default_factory=list)
    judged: bool = False  # a /restapi request: journalled with its verdict
    caller: Caller | None = None
    rate_headers: dict[str, str] = field(default_factory=dict)
    error_code: str | None = None  # of the error answered, for the log line
    fault: Fault | None = None  # the fault injected into this answer, if any
    _described: DescribedRequest | None = None

    @classmethod
    def begin(cls, request: Request, started: float) -> State:
        return cls(
            emulator=emulator_of(current_app._get_current_object()),  # type: ignore[attr-defined]
            request=request,
            started=started,
            operation=BY_ENDPOINT.get(request.endpoint or ""),
            query=request.args.to_dict(flat=False) if request.query_string else {},
        )

    def base_url(self) -> str:
        """scheme://host[:port] and the mount point, as the client called us (decision ERR-8)."""
        request = self.request
        return f"{request.scheme}://{request.host}{request.root_path}"

    def described(self) -> DescribedRequest:
        """The request as the rules and the journal see it (read once)."""
        if self._described is None:
            request = self.request
            # A body has a length or arrives chunked (the server then marks it terminated).
            # granian marks every request terminated: a GET or HEAD is read only when it says
            # it has a body, so the common read does not read an empty stream.
            environ = request.environ
            length = environ.get("CONTENT_LENGTH")
            sized = (length and length != "0") or (
                environ.get("wsgi.input_terminated")
                and (request.method not in ("GET", "HEAD") or "HTTP_TRANSFER_ENCODING" in environ)
            )
            body = _body(request) if sized else b""
            self._described = DescribedRequest(request.method, request.path, self.query, body)
        return self._described

    def first(self, name: str) -> str | None:
        return first(self.query, name)

    def authenticated(self) -> Caller:
        assert self.caller is not None, "the hooks authenticate every API operation"
        return self.caller


def _body(request: Request) -> bytes:
    """The body, or nothing where it is past MAX_CONTENT_LENGTH: the journal of a refused
    request (written after the 413) must not raise again outside the error handlers."""
    try:
        return request.get_data()
    except HTTPException:
        return b""


def request_state() -> State:
    return cast(State, g.state)


def emulator() -> Emulator:
    return emulator_of(current_app._get_current_object())  # type: ignore[attr-defined]
