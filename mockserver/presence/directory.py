"""DirectoryService: the account, its extension list and one extension, as a presence app reads
them before it reads presence (docs/contract.md#directory)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.directory.model import Extension
from mockserver.directory.records import (
    Record,
    account_info,
    account_uri,
    extension_info,
    extension_record,
)
from mockserver.errors import InvalidParameter
from mockserver.operations import BY_ENDPOINT
from mockserver.platform.tokens import Caller
from mockserver.presence.paging import Page
from mockserver.presence.service import PresenceService
from mockserver.schemas import enum_values

Query = Mapping[str, list[str]]
# The filters' enums and lengths, as the route table declares them from the spec.
_LIST = BY_ENDPOINT["api.listExtensions"]
MAX_LENGTH = dict(_LIST.max_length)


def multi(query: Query, name: str, allowed: frozenset[str] | None = None) -> list[str]:
    """A repeatable filter (explode: true); an empty value is no filter (allowEmptyValue)."""
    values = [v for v in query.get(name, []) if v != ""]
    if allowed is not None and any(v not in allowed for v in values):
        raise InvalidParameter(name)
    return values


class DirectoryService:
    def __init__(self, presence: PresenceService) -> None:
        self.presence = presence  # its account and extension lookups (docs/contract.md#unknown-ids)

    def account_info(self, base: str, caller: Caller, account_param: str) -> Record:
        return account_info(base, self.presence.account(caller, account_param))

    def read_extension(
        self, base: str, caller: Caller, account_param: str, id_param: str
    ) -> Record:
        account = self.presence.account(caller, account_param)
        ext = self.presence.extension(account, caller, id_param)
        queues = account.queues_of.get(ext.id, [])
        own = ext.id == caller.extension_id
        return extension_info(base, ext, queues, own=own, company=account.name)

    def list_extensions(
        self, base: str, caller: Caller, account_param: str, query: Query, page: Page
    ) -> Record:
        """listExtensions: filters, then ascending ID order, then the page (decision DIR-1)."""
        account = self.presence.account(caller, account_param)
        chosen = self._filtered(account.extensions, query)
        page = Page.of(page.number, page.per_page, len(chosen))
        shown = chosen[page.start : page.start + page.per_page] if page.per_page else []
        base_uri = f"{account_uri(base, account.id)}/extension"
        given = _filters_as_given(query)
        return {
            "uri": page.uri(base_uri, page.number, given),
            "records": [extension_record(base, e, account.name) for e in shown],
            "paging": page.paging(),
            "navigation": page.navigation(base_uri, given),
        }

    @staticmethod
    def _filtered(extensions: list[Extension], query: Query) -> list[Extension]:
        types = multi(query, "type", enum_values(_LIST.choices_of("type")))
        statuses = multi(query, "status", enum_values(_LIST.choices_of("status")))
        emails = {e.lower() for e in multi(query, "email")}
        if any(len(e) > MAX_LENGTH["email"] for e in emails):
            raise InvalidParameter("email")
        numbers = query.get("extensionNumber", [])
        number = numbers[0] if numbers else None
        if number is not None and len(number) > MAX_LENGTH["extensionNumber"]:
            raise InvalidParameter("extensionNumber")
        found = sorted(extensions, key=lambda e: e.id)
        if types:
            found = [e for e in found if e.type.value in types]
        if statuses:  # `Unassigned`: extensions without a number, which the directory has none of
            found = [e for e in found if e.status in statuses]
        if number:
            found = [e for e in found if e.number == number]
        if emails:
            found = [e for e in found if e.email is not None and e.email.lower() in emails]
        return found


def _filters_as_given(query: Query) -> dict[str, Any]:
    """Filters carried into the navigation links, after page and perPage (canonical order)."""
    names = ("extensionNumber", "email", "status", "type")
    return {name: query[name] for name in names if query.get(name)}
