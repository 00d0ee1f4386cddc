"""PresenceService: read one, many or a page of presence records, and update one.

Knows accounts, extensions, the store and the wire shapes; knows nothing of HTTP frameworks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from mockserver.directory.model import (
    LEGACY_WRITABLE_FIELDS,
    Account,
    Directory,
    Extension,
    ExtensionType,
    PresenceSettings,
)
from mockserver.errors import (
    DisabledExtension,
    InvalidMultipartRequest,
    PresenceNotSupported,
    ResourceNotFound,
    UserPermissionRequired,
)
from mockserver.inputs import is_digits
from mockserver.platform.tokens import Caller
from mockserver.presence.changes import ChangeListener
from mockserver.presence.live import State, split
from mockserver.presence.paging import Page
from mockserver.presence.visibility import visible
from mockserver.presence.wire import (
    View,
    account_uri,
    offline_record,
    parked_record,
    presence_record,
    presence_uri,
)
from mockserver.storage import Overrides

MAX_BATCH = 30  # docs/contract.md#batch
Record = dict[str, Any]
# Presence records kept, made once and answered again while what they are made of is the same
# (a page of 100 reads mostly unchanged users): a few MB per process at most (decision PERF-12).
RECORDS_KEPT = 1000
PAGES_KEPT = 64  # whole pages, answered again while every record on them would read the same

# Whose presence records are read from the store: users, and Park Locations (parked calls).
# Compared by identity: an Enum's hash is a Python-level call, and this is the hot path.
_USER, _PARK = ExtensionType.USER, ExtensionType.PARK_LOCATION


class PresenceService:
    def __init__(self, directory: Directory, store: Overrides) -> None:
        self.directory = directory
        self.store = store
        self._listeners: list[ChangeListener] = []
        # (extension ID, base, view) -> (extension, settings, live telephony, record made of them)
        self._records: dict[tuple[int, str, View], tuple[Extension, Any, Any, Record]] = {}
        self._pages: dict[
            tuple[Any, ...], tuple[Sequence[Extension | None], dict[int, State], Record]
        ] = {}
        self._paged = 0  # records on the kept pages

    # -- changes --------------------------------------------------------------------------------
    def listen(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def changed(self, extension_ids: Sequence[int]) -> None:
        """Tell the listeners that these extensions' presence may read differently now."""
        if extension_ids:
            for listener in self._listeners:
                listener.presence_changed(extension_ids)

    # -- lookups --------------------------------------------------------------------------------
    def account(self, caller: Caller, account_param: str) -> Account:
        """`~` or the caller's own account ID; anything else is not found
        (docs/contract.md#unknown-ids)."""
        if account_param not in ("~", str(caller.account_id)):
            raise ResourceNotFound("accountId")
        return self.directory.accounts_by_id[caller.account_id]

    def extension(self, account: Account, caller: Caller, id_param: str) -> Extension:
        found = self._find(account, caller, id_param)
        if found is None:
            raise ResourceNotFound("extensionId")
        return found

    @staticmethod
    def _find(account: Account, caller: Caller, id_param: str) -> Extension | None:
        if id_param == "~":
            return account.by_id.get(caller.extension_id)
        if not is_digits(id_param):  # `²` or thousands of digits: no such extension (404)
            return None
        return account.by_id.get(int(id_param))

    def states(self, extensions: Sequence[Extension]) -> dict[int, State]:
        """Settings (seed with PUT overrides laid over them) and live telephony, in one store
        read, for the users among `extensions` and the Park Locations (which hold parked calls:
        decisions CALL-29, CALL-10)."""
        read = [e for e in extensions if e.type is _USER or e.type is _PARK]
        found = self.store.overrides([e.id for e in read]).get
        return {e.id: split(e, found(e.id)) for e in read}

    def settings(self, extensions: Sequence[Extension]) -> dict[int, PresenceSettings]:
        """Seed settings with PUT overrides laid over them, for users only."""
        users = [e for e in extensions if e.type.is_user]
        return {i: state.settings for i, state in self.states(users).items()}

    # -- reads ----------------------------------------------------------------------------------
    def record(
        self,
        base: str,
        caller: Caller,
        ext: Extension,
        states: dict[int, State],
        view: View,
    ) -> Record:
        own = states.get(ext.id)
        if own is None:
            return offline_record(base, ext)
        settings, live = own
        if ext.type is _PARK:
            return parked_record(base, ext, live, view)
        if not visible(settings, own=caller.extension_id == ext.id, admin=caller.admin):
            return offline_record(base, ext)
        return self._presence_record(base, ext, own, view)

    def _presence_record(self, base: str, ext: Extension, state: State, view: View) -> Record:
        """presence_record, made again only when its inputs differ from the last time. The
        record answered is shared: every reader serialises or copies it, none changes it."""
        key = (ext.id, base, view)
        settings, live = state
        kept = self._records.get(key)
        if (
            kept is not None
            and kept[0] is ext
            and (kept[1] is settings or kept[1] == settings)
            and kept[2] == live
        ):
            return kept[3]
        record = presence_record(base, ext, settings, view, live)
        if len(self._records) >= RECORDS_KEPT:
            self._records.clear()
        self._records[key] = (ext, settings, live, record)
        return record

    def read_one(
        self, base: str, caller: Caller, account_param: str, id_param: str, view: View
    ) -> Record:
        account = self.account(caller, account_param)
        ext = self.extension(account, caller, id_param)
        if ext.type is not _USER and ext.type is not _PARK:
            return offline_record(base, ext)
        # The hot path (docs/benchmark.md): `states` for one extension, without its loops.
        state = split(ext, self.store.overrides([ext.id]).get(ext.id))
        return self.record(base, caller, ext, {ext.id: state}, view)

    def read_batch(
        self, base: str, caller: Caller, account_param: str, ids: list[str], view: View
    ) -> tuple[Record, list[Record]]:
        """The status part and one body per ID, in request order (docs/contract.md#batch)."""
        if len(ids) > MAX_BATCH:
            raise InvalidMultipartRequest()
        account = self.account(caller, account_param)
        found = [self._find(account, caller, i) for i in ids]
        states = self.states([e for e in found if e is not None])
        # As a page (read_page): the same IDs read again by the same reader, every state equal.
        key = ("batch", account.id, tuple(ids), base, view, caller.extension_id, caller.admin)
        kept = self._pages.get(key)
        if kept is not None and kept[1] == states and _same(kept[0], found):
            return kept[2]["status"], kept[2]["bodies"]
        status, bodies = self._batch(base, caller, account, ids, found, states, view)
        self._keep(key, found, states, {"status": status, "bodies": bodies})
        return status, bodies

    def _batch(
        self,
        base: str,
        caller: Caller,
        account: Account,
        ids: list[str],
        found: list[Extension | None],
        states: dict[int, State],
        view: View,
    ) -> tuple[Record, list[Record]]:
        statuses: list[Record] = []
        bodies: list[Record] = []
        for id_param, ext in zip(ids, found, strict=True):
            if ext is None:
                href = f"{account_uri(base, account.id)}/extension/{id_param}/presence"
                statuses.append({"href": href, "status": 404, "responseDescription": "Not Found"})
                bodies.append(ResourceNotFound("extensionId").to_body())
                continue
            href = presence_uri(base, account.id, ext.id)
            statuses.append({"href": href, "status": 200, "responseDescription": "OK"})
            bodies.append(self.record(base, caller, ext, states, view))
        return {"response": statuses}, bodies

    def read_page(
        self,
        base: str,
        caller: Caller,
        account_param: str,
        page: Page,
        view: View,
        extra_query: dict[str, str],
    ) -> Record:
        """One page of account presence (docs/contract.md#paging); cost depends on perPage only."""
        account = self.account(caller, account_param)
        page = Page.of(page.number, page.per_page, len(account.extensions))
        chosen = account.extensions[page.start : page.start + page.per_page]
        states = self.states(chosen)
        # The same page read again by the same reader, every record's inputs equal: the same
        # answer (what a record is made of is the extension, its state, the reader and the view).
        key = (
            account.id,
            page.number,
            page.per_page,
            base,
            view,
            caller.extension_id,
            caller.admin,
            tuple(extra_query.items()),
        )
        kept = self._pages.get(key)
        if kept is not None and kept[1] == states and _same(kept[0], chosen):
            return kept[2]
        base_uri = f"{account_uri(base, account.id)}/presence"
        answer = {
            "uri": page.uri(base_uri, page.number, extra_query),
            "records": [self.record(base, caller, e, states, view) for e in chosen],
            "paging": page.paging(),
            "navigation": page.navigation(base_uri, extra_query),
        }
        self._keep(key, chosen, states, answer)
        return answer

    def _keep(
        self,
        key: tuple[Any, ...],
        extensions: Sequence[Extension | None],
        states: dict[int, State],
        answer: Record,
    ) -> None:
        # Bounded by pages and by the records on them: a walk of a large account by pages of
        # 1,000 must not keep tens of thousands of records in every worker.
        if len(self._pages) >= PAGES_KEPT or self._paged + len(extensions) > RECORDS_KEPT:
            self._pages.clear()
            self._paged = 0
        self._pages[key] = (extensions, states, answer)
        self._paged += len(extensions)

    # -- writes ---------------------------------------------------------------------------------
    def update(
        self,
        base: str,
        caller: Caller,
        account_param: str,
        id_param: str,
        changes: PresenceSettings,
    ) -> Record:
        account = self.account(caller, account_param)
        ext = self.extension(account, caller, id_param)
        if ext.id != caller.extension_id and not caller.admin:
            raise UserPermissionRequired("EditPresenceSettings")
        if not ext.type.is_user:
            raise PresenceNotSupported(ext.type.value)
        if ext.status == "Disabled":
            raise DisabledExtension()
        if not account.communication_handling:
            # A legacy account (PRES-4, PRES-5) has no dndStatusPersonal or acceptCallQueueCalls;
            # a PUT of them is ignored like an unknown field (docs/decisions.md), not refused.
            kept = {k: v for k, v in changes.items() if k in LEGACY_WRITABLE_FIELDS}
            changes = cast(PresenceSettings, kept)
        if changes:
            merged = self.store.merge_overrides(ext.id, changes)
            self.changed([ext.id])
        else:
            merged = self.store.overrides([ext.id]).get(ext.id, {})
        settings, live = split(ext, merged)
        return presence_record(base, ext, settings, View(), live)


def _same(kept: Sequence[Extension | None], chosen: Sequence[Extension | None]) -> bool:
    """The same extension objects, in the same order (a new directory has new ones)."""
    return len(kept) == len(chosen) and all(a is b for a, b in zip(kept, chosen, strict=True))
