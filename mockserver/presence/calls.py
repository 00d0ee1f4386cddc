"""ActiveCallsService: listExtensionActiveCalls, the call-log view of a user's calls in progress.

It lists exactly the calls of the user's presence `activeCalls` that are connected, on hold or
parked (decision ACT-1: calls still ringing are being routed and are not listed),
newest first, with `result: "In Progress"` and no `duration`, as the recorded example shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from mockserver.directory.model import ActiveCall, Extension
from mockserver.directory.records import Record, extension_uri
from mockserver.errors import InvalidParameter, UserPermissionRequired
from mockserver.operations import BY_ENDPOINT
from mockserver.platform.tokens import Caller
from mockserver.presence.aggregation import BUSY_TELEPHONY
from mockserver.presence.directory import multi
from mockserver.presence.paging import Page
from mockserver.presence.service import PresenceService
from mockserver.schemas import enum_values

Query = Mapping[str, list[str]]
_CALLS = BY_ENDPOINT["api.listExtensionActiveCalls"]


def choices(name: str) -> frozenset[str]:
    """The spec's enum of a filter, as the route table declares it (read when first asked:
    loading the schemas costs a third of a second, which an import should not)."""
    return enum_values(_CALLS.choices_of(name))


class ActiveCallsService:
    def __init__(self, presence: PresenceService) -> None:
        self.presence = presence

    def list(
        self,
        base: str,
        caller: Caller,
        account_param: str,
        id_param: str,
        query: Query,
        page: Page,
    ) -> Record:
        account = self.presence.account(caller, account_param)
        ext = self.presence.extension(account, caller, id_param)
        if ext.id != caller.extension_id and not caller.admin:
            raise UserPermissionRequired("ReadCallLog")  # the spec's x-user-permission
        views = query.get("view") or ["Simple"]
        if views[0] not in choices("view"):
            raise InvalidParameter("view")
        state = self.presence.states([ext]).get(ext.id)
        calls = _chosen(state.live(ext).calls if state else ext.active_calls, query)
        page = Page.of(page.number, page.per_page, len(calls))
        shown = calls[page.start : page.start + page.per_page]
        detailed = views[0] == "Detailed"
        base_uri = f"{extension_uri(base, ext.account_id, ext.id)}/active-calls"
        given = {"view": views[0]} if "view" in query else {}
        paging: dict[str, int] = {"page": page.number, "perPage": page.per_page}
        if not page.is_empty:  # the example's paging has no totals (EnumeratedPagingModel)
            paging |= {"pageStart": page.start, "pageEnd": page.end}
        last = max(page.total_pages, 1)
        navigation = {"firstPage": {"uri": _uri(base_uri, given, 1, page.per_page)}}
        if page.number < page.total_pages:
            navigation["nextPage"] = {"uri": _uri(base_uri, given, page.number + 1, page.per_page)}
        if page.number > 1:
            navigation["previousPage"] = {
                "uri": _uri(base_uri, given, page.number - 1, page.per_page)
            }
        navigation["lastPage"] = {"uri": _uri(base_uri, given, last, page.per_page)}
        return {
            "uri": _uri(base_uri, given, page.number, page.per_page),
            "records": [_record(base, ext, call, given, detailed) for call in shown],
            "paging": paging,
            "navigation": navigation,
        }


def _uri(base: str, given: dict[str, str], number: int, per_page: int) -> str:
    # The example's order: the caller's view first, then page and perPage (defaults included).
    return f"{base}?{urlencode({**given, 'page': number, 'perPage': per_page})}"


def _chosen(active_calls: Sequence[ActiveCall], query: Query) -> list[ActiveCall]:
    directions = multi(query, "direction", choices("direction"))
    types = multi(query, "type", choices("type"))
    transports = multi(query, "transport", choices("transport"))
    conferences = multi(query, "conferenceType", choices("conferenceType"))
    calls = [c for c in active_calls if c.get("telephonyStatus") in BUSY_TELEPHONY]
    if directions:
        calls = [c for c in calls if c["direction"] in directions]
    if types and "Voice" not in types:
        calls = []  # every seeded call is a voice call
    if transports:
        calls = [c for c in calls if _transport(c) in transports]
    if conferences:
        calls = []  # no seeded call is a conference
    return sorted(calls, key=lambda c: str(c.get("startTime", "")), reverse=True)


def _transport(call: ActiveCall) -> str:
    """A call with an outside number crosses the PSTN; one between extensions is VoIP."""
    outside = str(call["from"]).startswith("+") or str(call["to"]).startswith("+")
    return "PSTN" if outside else "VoIP"


def _party(number: Any, name: Any) -> dict[str, str]:
    party = {"phoneNumber" if str(number).startswith("+") else "extensionNumber": str(number)}
    if name:
        party["name"] = str(name)
    return party


def _record(
    base: str, ext: Extension, call: ActiveCall, given: dict[str, str], detailed: bool
) -> dict[str, Any]:
    inbound = call["direction"] == "Inbound"
    # The call-log uri carries the view only when the caller named one (examples 10.1, 10.4).
    view = f"?view={given['view']}" if given else ""
    record: dict[str, Any] = {
        "uri": f"{extension_uri(base, ext.account_id, ext.id)}/call-log/{call['id']}{view}",
        "id": call["id"],
        "sessionId": call["sessionId"],
        "telephonySessionId": call["telephonySessionId"],
        "startTime": call["startTime"],
        "type": "Voice",
        "direction": call["direction"],
        "action": "Phone Call" if inbound else "VoIP Call",
        "result": "In Progress",
        "to": _party(call["to"], call.get("toName")),
        "from": _party(call["from"], call.get("fromName")),
    }
    if detailed:  # one master leg, as the Detailed example (decision ACT-1)
        internal = _transport(call) == "VoIP"
        leg_type = (
            "Accept" if inbound else "ExtensionToExtension" if internal else "SipToPstnMetered"
        )
        record["legs"] = [
            {
                "startTime": call["startTime"],
                "type": "Voice",
                "direction": call["direction"],
                "action": record["action"],
                "result": "In Progress",
                "to": record["to"],
                "from": record["from"],
                "legType": leg_type,
                "master": True,
            }
        ]
    return record
