"""The refusals of the call engine, in the platform's error shape (decision CALL-3)."""

from __future__ import annotations

from mockserver.errors import MockError


class CallStateConflict(MockError):
    """A step the call's present state does not allow (answer a call that is not ringing, park
    a call that is not connected...): 409, the status the spec's ApiErrorWithParameter names
    for a request that conflicts with the resource's state, with the general CMN-101 code
    naming the parameter at fault and a message saying why."""

    status = 409

    def __init__(self, parameter: str, why: str) -> None:
        super().__init__(parameter, message=f"Parameter [{parameter}] value is invalid: {why}.")
