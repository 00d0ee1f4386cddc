"""Switchboard: the call engine for one account, with short names, as a test uses it in process
(`PresenceMock.calls`). Extensions by ID or number, outside parties by E.164 number; each call
step returns the session as /_mock/calls shows it; refusals raise the platform's errors."""

from __future__ import annotations

from typing import Any

from mockserver.telephony.call_engine import CallEngine

Session = dict[str, Any]


class Switchboard:
    def __init__(self, engine: CallEngine, account: int | str | None = None) -> None:
        self.engine = engine
        self.account = engine.account(account)

    def ring(self, caller: int | str, callee: int | str, name: str | None = None) -> Session:
        """A call from `caller` to `callee` (one of them may be an outside number)."""
        return self.engine.call(self.account, str(caller), str(callee), name)

    def queue_call(self, queue: int | str, caller: str, name: str | None = None) -> Session:
        return self.engine.queue_call(self.account, str(queue), caller, name)

    def answer(self, call: str, by: int | str | None = None) -> Session:
        return self.engine.answer(self.account, call, _text(by))

    def hold(self, call: str, by: int | str | None = None) -> Session:
        return self.engine.hold(self.account, call, _text(by))

    def unhold(self, call: str, by: int | str | None = None) -> Session:
        return self.engine.unhold(self.account, call, _text(by))

    def park(
        self, call: str, by: int | str | None = None, location: int | str | None = None
    ) -> Session:
        return self.engine.park(self.account, call, _text(by), _text(location))

    def pickup(self, call: str, by: int | str) -> Session:
        return self.engine.pickup(self.account, call, str(by))

    def transfer(
        self, call: str, to: int | str, by: int | str | None = None, warm: bool = False
    ) -> Session:
        return self.engine.transfer(self.account, call, str(to), _text(by), warm)

    def end(self, call: str, by: int | str | None = None) -> Session:
        return self.engine.end(self.account, call, _text(by))

    def start_meeting(self, user: int | str) -> dict[str, Any]:
        return self.engine.meeting(self.account, str(user), start=True)

    def end_meeting(self, user: int | str) -> dict[str, Any]:
        return self.engine.meeting(self.account, str(user), start=False)

    def set_presence(self, user: int | str, **changes: Any) -> dict[str, Any]:
        return self.engine.set_presence(self.account, str(user), changes)

    def list(self) -> list[Session]:
        return self.engine.sessions(self.account)


def _text(value: int | str | None) -> str | None:
    return None if value is None else str(value)
