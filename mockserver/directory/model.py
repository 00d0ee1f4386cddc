"""Domain types of the emulator: accounts, extensions, apps and their presence state.

Presence state uses the wire (camelCase) field names of the RingCentral API, so that a fixture
file, the store and the JSON answers all speak the same words and nothing is translated twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict


class ExtensionType(StrEnum):
    """Extension `type` values (spec `AllExtensionTypesEnum`) that the emulator seeds."""

    USER = "User"
    DEPARTMENT = "Department"
    ANNOUNCEMENT = "Announcement"
    VOICEMAIL = "Voicemail"
    FAX_USER = "FaxUser"
    PAGING_ONLY = "PagingOnly"
    SHARED_LINES_GROUP = "SharedLinesGroup"
    IVR_MENU = "IvrMenu"
    APPLICATION_EXTENSION = "ApplicationExtension"
    PARK_LOCATION = "ParkLocation"

    @property
    def is_user(self) -> bool:
        return self is ExtensionType.USER


# These always read Offline and refuse PUT with PRS-106 (docs/contract.md#non-user-extensions).
NON_USER_TYPES: frozenset[ExtensionType] = frozenset(t for t in ExtensionType if not t.is_user)

USER_STATUSES = ("Offline", "Busy", "Available")
DND_STATUSES = (
    "TakeAllCalls",
    "DoNotAcceptDepartmentCalls",
    "TakeDepartmentCallsOnly",
    "DoNotAcceptAnyCalls",
    "Unknown",
)
DND_STATUSES_PERSONAL = ("TakeAllCalls", "DoNotAcceptAnyCalls", "Unknown")
CALLER_ID_VISIBILITIES = ("All", "None", "PermittedUsers")
TELEPHONY_STATUSES = ("NoCall", "CallConnected", "Ringing", "OnHold", "ParkedCall")
MEETING_STATUSES = ("Connected", "Disconnected")
# Spec `ExtensionStatusEnumFull`; queues (`ExtensionStatusEnumGroup`) have no Frozen.
EXTENSION_STATUSES = ("Enabled", "Disabled", "Frozen", "NotActivated", "Unassigned")


class PresenceSettings(TypedDict, total=False):
    """The writable fields of `PresenceInfoRequest` (docs/contract.md#presence-record), by wire
    name."""

    userStatus: str
    dndStatus: str
    dndStatusPersonal: str
    message: str
    allowSeeMyPresence: bool
    callerIdVisibility: str
    ringOnMonitoredCall: bool
    pickUpCallsOnHold: bool
    acceptCallQueueCalls: bool


WRITABLE_FIELDS: tuple[str, ...] = tuple(PresenceSettings.__annotations__)

# Fields only accounts on the new communication handling service report
# (docs/contract.md#presence-record). Decision PRES-4: a legacy account, the default, never holds or
# reports them.
COMMUNICATION_HANDLING_FIELDS: frozenset[str] = frozenset(
    {"dndStatusPersonal", "acceptCallQueueCalls"}
)
LEGACY_WRITABLE_FIELDS: tuple[str, ...] = tuple(
    f for f in WRITABLE_FIELDS if f not in COMMUNICATION_HANDLING_FIELDS
)

# What a User extension of a legacy account reads when its fixture says nothing (spec defaults
# where it has one).
DEFAULT_SETTINGS: PresenceSettings = {
    "userStatus": "Available",
    "dndStatus": "TakeAllCalls",
    "message": "",
    "allowSeeMyPresence": True,
    "callerIdVisibility": "All",
    "ringOnMonitoredCall": False,
    "pickUpCallsOnHold": False,
}
# ... and what a user of an account with `communicationHandling` adds (decision PRES-4: configured,
# both fields are reported; the spec's default for acceptCallQueueCalls, TakeAllCalls otherwise).
COMMUNICATION_HANDLING_DEFAULTS: PresenceSettings = {
    "dndStatusPersonal": "TakeAllCalls",
    "acceptCallQueueCalls": False,
}

ActiveCall = dict[str, Any]
"""One `ActiveCallInfo` in wire shape, `sipData` included (stripped at the edge when not asked)."""


@dataclass(frozen=True, slots=True)
class QueueMember:
    """A User in a call queue, and whether they take this queue's calls as seeded.

    `accept_calls` is what the queue view calls `acceptCurrentQueueCalls` and the agent view
    `acceptCalls`: one flag seen from two sides (docs/contract.md#queues).
    """

    extension_id: int
    accept_calls: bool = True


@dataclass(frozen=True, slots=True)
class Extension:
    """One extension of an account and the presence it was seeded with.

    `settings` and the live telephony state (`active_calls`, `meeting_status`) are the seed;
    changes made through PUT live in the store and are laid over `settings` when read.
    """

    id: int
    account_id: int
    number: str
    type: ExtensionType
    name: str
    admin: bool = False
    phone_number: str | None = None
    settings: PresenceSettings = field(default_factory=lambda: PresenceSettings())
    meeting_status: str | None = None
    active_calls: tuple[ActiveCall, ...] = ()
    status: str = "Enabled"
    email: str | None = None
    # A call queue (a Department extension): its members, and whether they may change their
    # own membership flag ("Allow members to change their Queue Status").
    members: tuple[QueueMember, ...] = ()
    editable_member_status: bool = True

    @property
    def first_name(self) -> str:
        """A User's contact.firstName; a queue or other non-user keeps its whole name there
        (a queue created with contact.firstName "Marketing Q" is named "Marketing Q")."""
        return self.name.partition(" ")[0] if self.type.is_user else self.name

    @property
    def last_name(self) -> str | None:
        return (self.name.partition(" ")[2] or None) if self.type.is_user else None


# What the operations served need (the spec's x-app-permission of each): an app that lists
# no permissions in a fixture gets them all.
DEFAULT_APP_PERMISSIONS: frozenset[str] = frozenset(
    {"ReadPresence", "EditPresence", "ReadAccounts", "ReadCallLog"}
    | {"SubscriptionWebhook", "WebSocket"}  # subscriptions (EVT-16, WS-6)
)


@dataclass(frozen=True, slots=True)
class App:
    """A registered client application (what the platform calls an app) and its permissions.

    A confidential app (the default) proves itself with its secret; a public one (a browser or
    mobile app, which cannot keep a secret) names itself with `client_id` and uses PKCE.
    `accounts` are the accounts the app is installed in: None for every account of the directory.
    """

    client_id: str
    client_secret: str
    name: str
    permissions: frozenset[str] = field(default_factory=lambda: DEFAULT_APP_PERMISSIONS)
    public: bool = False
    accounts: frozenset[int] | None = None

    def serves(self, account_id: int) -> bool:
        """Whether the app may sign in users of this account (it is installed there)."""
        return self.accounts is None or account_id in self.accounts


@dataclass(slots=True)
class Account:
    """An account: its extensions in listing order, and an index by extension ID.

    `communication_handling`: the account is on the new communication handling service and its
    presence carries dndStatusPersonal and acceptCallQueueCalls; off, the default, it is a
    legacy account (decision PRES-4).
    """

    id: int
    name: str
    main_number: str
    extensions: list[Extension]
    communication_handling: bool = False
    by_id: dict[int, Extension] = field(init=False, repr=False)
    # Member extension ID -> the queues (Department extensions) it belongs to, in listing order.
    queues_of: dict[int, list[Extension]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id = {ext.id: ext for ext in self.extensions}
        self.queues_of = {}
        for ext in self.extensions:
            for member in ext.members:
                self.queues_of.setdefault(member.extension_id, []).append(ext)

    @property
    def writable_fields(self) -> tuple[str, ...]:
        """The presence fields a PUT may set on this account's users (decision PRES-4)."""
        return WRITABLE_FIELDS if self.communication_handling else LEGACY_WRITABLE_FIELDS

    @property
    def administrator(self) -> Extension:
        return next(e for e in self.extensions if e.admin)


@dataclass(slots=True)
class Directory:
    """Everything the emulator serves that PUT cannot change: accounts and apps."""

    accounts: list[Account]
    apps: list[App]
    # The instant (epoch seconds) the seeded calls started before, for a generated directory
    # (the emulator moves them to before its first start: decision CALL-81); None for a
    # fixture's, whose times are what its file says.
    drawn_before: float | None = field(default=None, compare=False)
    accounts_by_id: dict[int, Account] = field(init=False, repr=False)
    apps_by_client_id: dict[str, App] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.accounts_by_id = {acc.id: acc for acc in self.accounts}
        # Every API request finds its app by client ID: the first of a repeated ID, as a
        # search of the list would.
        self.apps_by_client_id = {}
        for app in self.apps:
            self.apps_by_client_id.setdefault(app.client_id, app)

    def extension(self, extension_id: int) -> Extension | None:
        for account in self.accounts:
            found = account.by_id.get(extension_id)
            if found is not None:
                return found
        return None

    def app(self, client_id: str) -> App | None:
        return self.apps_by_client_id.get(client_id)
