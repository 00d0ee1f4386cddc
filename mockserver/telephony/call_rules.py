"""Who a call may ring, and which party a step acts on (decisions CALL-4, CALL-5)."""

from __future__ import annotations

from collections.abc import Collection

from mockserver.directory.model import Extension
from mockserver.presence.queues import QUEUE_DND
from mockserver.telephony import call_sessions as sessions
from mockserver.telephony.book import Book
from mockserver.telephony.call_sessions import Party, Session, live, party_of
from mockserver.telephony.errors import CallStateConflict


def may_call(book: Book, user: Extension, parameter: str = "from") -> None:
    if user.status != "Enabled":
        raise CallStateConflict(parameter, f"the extension is {user.status}")
    book.need(user.id)


def may_ring(book: Book, user: Extension, parameter: str) -> None:
    if not available(book, user, queue=False):
        raise CallStateConflict(
            parameter, "the user takes no calls now (Offline, Do Not Disturb or inactive)"
        )


def available(book: Book, user: Extension, queue: bool) -> bool:
    """Whether a call rings this user: an active user who is not Offline and not in
    DoNotAcceptAnyCalls; for a queue call also not in DoNotAcceptDepartmentCalls, on an
    account with communication handling not in personal DND and with
    acceptCallQueueCalls on, and not already on a call (docs/decisions.md)."""
    if not user.type.is_user or user.status != "Enabled":
        return False
    settings = book.settings(user)
    if settings.get("userStatus") == "Offline":
        return False
    dnd = settings.get("dndStatus", "TakeAllCalls")
    if dnd == "DoNotAcceptAnyCalls" or settings.get("dndStatusPersonal") == "DoNotAcceptAnyCalls":
        return False
    if not queue:
        return True
    if dnd in QUEUE_DND:
        return False
    if book.account.communication_handling and not settings.get("acceptCallQueueCalls"):
        return False
    return not any(c.get("telephonyStatus") in sessions.LIVE for c in book.calls(user))


def party(
    session: Session,
    who: Extension | None,
    states: Collection[str],
    action: str,
) -> Party:
    if who is not None:
        party = party_of(session, who.id)
        if party is None:
            raise CallStateConflict("extensionId", "the extension is not on this call")
    else:
        found = [p for p in live(session) if p["ext"] is not None and p.get("role") != "park"]
        preferred = [p for p in found if p["status"] in states]
        if not (preferred or found):
            raise CallStateConflict("telephonySessionId", "no extension is on this call")
        party = (preferred or found)[0]
    if party["status"] not in states:
        raise CallStateConflict(
            "telephonySessionId", f"cannot {action} a call that is {party['status']}"
        )
    return party


def consultation(book: Book, mover: int, target: int, original: str) -> Session:
    """The connected call between the transferor and the target (a warm transfer's)."""
    for session_id, session in list(book.every()):
        if session_id == original:
            continue
        on = {p["ext"]: p["status"] for p in live(session)}
        if on.get(mover) == "CallConnected" and on.get(target) == "CallConnected":
            return book.session(session_id)
    raise CallStateConflict(
        "to", "a warm transfer needs a connected call between the transferor and the target"
    )
