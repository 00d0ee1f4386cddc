"""The fixture file format: a versioned JSON account file, validated, read and written.

`load_fixture(path)` reads the format of `fixtures/fixture.schema.json` (documented in
docs/fixtures.md) and reports every problem as a FixtureError naming the file, the field path
and the problem; `directory_to_dict` writes a Directory back in the same format.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator, ValidationError

from mockserver.directory.model import (
    COMMUNICATION_HANDLING_DEFAULTS,
    COMMUNICATION_HANDLING_FIELDS,
    DEFAULT_APP_PERMISSIONS,
    DEFAULT_SETTINGS,
    WRITABLE_FIELDS,
    Account,
    App,
    Directory,
    Extension,
    ExtensionType,
    PresenceSettings,
    QueueMember,
)
from mockserver.inputs import MAX_JSON_DEPTH, TooDeep, TooLarge, Unreadable, load_json, read_file

FORMAT_VERSION: int = 1
# Bounds of a fixture file (docs/fixtures.md): 128 MiB holds 100,000 extensions (the most the
# generator makes; about 76 MB written with indentation); JSON nested at most MAX_JSON_DEPTH
# levels (the format's deepest is 10), checked before it is parsed.
MAX_FIXTURE_BYTES = 128 << 20
_NO_SETTINGS: PresenceSettings = {}
_SCHEMA_FILE = "fixture.schema.json"
_MAX_LISTED_PROBLEMS = 10


class FixtureError(ValueError):
    """A fixture that cannot be used; each line names the file, the field path and the problem."""


# ---------------------------------------------------------------------------------------------
# Loading a fixture
# ---------------------------------------------------------------------------------------------
Problem = tuple[str, str]  # (field path such as accounts[0].extensions[3].type, what is wrong)


def load_fixture(path: str | os.PathLike[str]) -> Directory:
    """Read, validate and build a fixture file; every failure is a FixtureError."""
    source = os.fspath(path)
    try:
        raw = read_file(source, MAX_FIXTURE_BYTES, "fixture")
    except (TooLarge, Unreadable) as error:
        raise FixtureError(str(error)) from None
    try:
        data = load_json(raw)
    except TooDeep:
        raise FixtureError(
            f"{source}: JSON nested deeper than {MAX_JSON_DEPTH} levels, the limit of fixture files"
        ) from None
    except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8
        raise FixtureError(f"{source}: not valid JSON: {error}") from error
    return directory_from_dict(data, source)


def directory_from_dict(data: Any, source: str = "<fixture>") -> Directory:
    """Validate parsed fixture JSON (schema first, then the cross-record rules) and build it."""
    problems = _schema_problems(data) or list(_rule_problems(data))
    if problems:
        raise FixtureError(_report(source, problems))
    return _directory_from(data)


def _report(source: str, problems: Sequence[Problem]) -> str:
    unique = list(dict.fromkeys(problems))
    lines = [f"{source}: {path}: {what}" for path, what in unique[:_MAX_LISTED_PROBLEMS]]
    if len(unique) > _MAX_LISTED_PROBLEMS:
        lines.append(f"{source}: ... and {len(unique) - _MAX_LISTED_PROBLEMS} more problems")
    return "\n".join(lines)


def _dotted(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(_schema_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _schema_text() -> str:
    # A source checkout keeps it in fixtures/; an installed wheel in mockserver._fixtures.
    checkout = Path(__file__).resolve().parents[2] / "fixtures" / _SCHEMA_FILE
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    return resources.files("mockserver._fixtures").joinpath(_SCHEMA_FILE).read_text("utf-8")


def fixture_schema() -> dict[str, Any]:
    """The fixture JSON Schema (2020-12), as shipped."""
    return cast(dict[str, Any], json.loads(_schema_text()))


def _schema_problems(data: Any) -> list[Problem]:
    errors = sorted(_validator().iter_errors(data), key=_reading_order)
    return [problem for error in errors for problem in _describe(error)]


def _reading_order(error: ValidationError) -> tuple[int, tuple[tuple[bool, Any], ...]]:
    # The most fundamental (shallowest) problems first, then the order a reader scans the file.
    return len(error.path), tuple((isinstance(part, str), part) for part in error.path)


def _describe(error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    instance: Any = error.instance
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        for key in instance:
            if key not in known:
                yield _dotted([*path, key]), f"unknown key (allowed: {', '.join(known)})"
    elif error.validator == "required":
        for key in value:
            if key not in instance:
                yield _dotted([*path, key]), "required key is missing"
    elif error.validator == "maxLength":
        yield _dotted(path), f"{len(instance)} characters, at most {value} allowed"
    elif error.validator == "pattern" and "description" in schema:
        yield _dotted(path), f"{_short(repr(instance))} is not {schema['description']}"
    elif error.validator in ("enum", "type"):
        wanted = "one of" if error.validator == "enum" else "of type"
        yield _dotted(path), f"{_short(repr(instance))} is not {wanted} {value!r}"
    elif error.validator == "const":
        yield _dotted(path), f"{_short(repr(instance))} is not supported, expected {value!r}"
    else:
        yield _dotted(path), _short(error.message, 200)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _rule_problems(data: Mapping[str, Any]) -> Iterator[Problem]:
    """What a schema cannot say: uniqueness across records, and who may be administrator."""
    apps, accounts = data["apps"], data["accounts"]
    yield from _duplicates(
        ((("apps", i, "clientId"), a["clientId"]) for i, a in enumerate(apps)), "client id"
    )
    yield from _duplicates(
        ((("accounts", i, "id"), a["id"]) for i, a in enumerate(accounts)), "account id"
    )
    every_extension = (
        (("accounts", i, "extensions", j, "id"), ext["id"])
        for i, account in enumerate(accounts)
        for j, ext in enumerate(account["extensions"])
    )
    yield from _duplicates(every_extension, "extension id")
    known = {a["id"] for a in accounts}
    for i, app in enumerate(apps):
        for j, account_id in enumerate(app.get("accounts", ())):
            if account_id not in known:
                yield _dotted(("apps", i, "accounts", j)), f"no account with id {account_id}"
    for i, account in enumerate(accounts):
        yield from _account_problems(("accounts", i), account)


def _account_problems(
    where: tuple[str | int, ...], account: Mapping[str, Any]
) -> Iterator[Problem]:
    extensions = account["extensions"]
    numbers = (
        ((*where, "extensions", j, "extensionNumber"), e["extensionNumber"])
        for j, e in enumerate(extensions)
    )
    yield from _duplicates(numbers, "extension number in this account")
    admins = [j for j, e in enumerate(extensions) if e.get("admin", False)]
    if not admins:
        yield (
            _dotted([*where, "extensions"]),
            'no administrator: exactly one User needs "admin": true',
        )
    for j in admins[1:]:
        first = _dotted([*where, "extensions", admins[0]])
        yield (
            _dotted([*where, "extensions", j, "admin"]),
            f"a second administrator; {first} is one already",
        )
    yield from _queue_problems(where, extensions)
    handling = account.get("communicationHandling", False)
    for j, ext in enumerate(extensions):
        if ext["type"] == ExtensionType.USER:
            # A legacy account has no such fields (PRES-6); refused rather than dropped, so a
            # fixture never silently loses a value its author wrote.
            for key in sorted(COMMUNICATION_HANDLING_FIELDS & set(ext.get("presence", ()))):
                if not handling:
                    yield (
                        _dotted([*where, "extensions", j, "presence", key]),
                        'only an account with "communicationHandling": true reports it',
                    )
            continue
        if ext.get("admin", False):
            yield _dotted([*where, "extensions", j, "admin"]), "only a User extension can be admin"
        if "presence" in ext:
            message = f"a {ext['type']} extension has no presence; only User extensions do"
            yield _dotted([*where, "extensions", j, "presence"]), message


QUEUE_MEMBER_STATUSES = frozenset({"Enabled", "NotActivated"})


def _queue_problems(
    where: tuple[str | int, ...], extensions: Sequence[Mapping[str, Any]]
) -> Iterator[Problem]:
    """A queue is a Department's; its members are distinct Users of the same account, Enabled
    or NotActivated (decision QUEUE-1: a Disabled or Frozen user takes no calls)."""
    users = {
        e["id"]: e.get("status", "Enabled") for e in extensions if e["type"] == ExtensionType.USER
    }
    for j, ext in enumerate(extensions):
        if "queue" not in ext:
            continue
        if ext["type"] != ExtensionType.DEPARTMENT:
            message = f"a {ext['type']} extension has no queue; only Department extensions do"
            yield _dotted([*where, "extensions", j, "queue"]), message
            continue
        members = ext["queue"]["members"]
        ids = (
            ((*where, "extensions", j, "queue", "members", k, "id"), m["id"])
            for k, m in enumerate(members)
        )
        yield from _duplicates(ids, "queue member")
        for k, member in enumerate(members):
            path = _dotted([*where, "extensions", j, "queue", "members", k, "id"])
            if member["id"] not in users:
                yield path, f"{member['id']} is not a User extension of this account"
            elif (status := users[member["id"]]) not in QUEUE_MEMBER_STATUSES:
                yield path, f"{member['id']} is {status}; a queue member is Enabled or NotActivated"


def _duplicates(items: Iterable[tuple[tuple[str | int, ...], Any]], what: str) -> Iterator[Problem]:
    first_seen: dict[Any, str] = {}
    for path, value in items:
        if value in first_seen:
            yield _dotted(path), f"duplicate {what} {value!r} (also at {first_seen[value]})"
        else:
            first_seen[value] = _dotted(path)


def _directory_from(data: Mapping[str, Any]) -> Directory:
    apps = [
        App(
            a["clientId"],
            a["clientSecret"],
            a["name"],
            frozenset(a.get("permissions", DEFAULT_APP_PERMISSIONS)),
            public=bool(a.get("public", False)),
            accounts=frozenset(a["accounts"]) if "accounts" in a else None,
        )
        for a in data["apps"]
    ]
    shared: dict[tuple[tuple[str, Any], ...], PresenceSettings] = {}
    accounts = [_account_from(raw, shared) for raw in data["accounts"]]
    return Directory(accounts, apps)


def _account_from(raw: Mapping[str, Any], shared: dict[Any, PresenceSettings]) -> Account:
    account_id = int(raw["id"])
    handling = bool(raw.get("communicationHandling", False))
    defaults = {**DEFAULT_SETTINGS, **COMMUNICATION_HANDLING_DEFAULTS} if handling else None
    extensions = [_extension_from(e, account_id, shared, defaults) for e in raw["extensions"]]
    return Account(account_id, raw["name"], raw["mainNumber"], extensions, handling)


def _extension_from(
    raw: Mapping[str, Any],
    account_id: int,
    shared: dict[Any, PresenceSettings],
    defaults: Mapping[str, Any] | None = None,
) -> Extension:
    """One extension; `defaults` are an account with communication handling's (decision PRES-4)."""
    kind = ExtensionType(raw["type"])
    presence: Mapping[str, Any] = raw.get("presence", {})
    settings = _NO_SETTINGS
    if kind.is_user:
        settings = interned_settings(shared, {**(defaults or DEFAULT_SETTINGS), **presence})
    return Extension(
        id=int(raw["id"]),
        account_id=account_id,
        number=raw["extensionNumber"],
        type=kind,
        name=raw["name"],
        admin=raw.get("admin", False),
        phone_number=raw.get("phoneNumber"),
        settings=settings,
        meeting_status=presence.get("meetingStatus"),
        active_calls=tuple(_copied(call) for call in presence.get("activeCalls", ())),
        status=raw.get("status", "Enabled"),
        email=raw.get("email"),
        members=tuple(
            QueueMember(int(m["id"]), m.get("acceptCalls", True))
            for m in raw.get("queue", {}).get("members", ())
        ),
        editable_member_status=raw.get("queue", {}).get("editableMemberStatus", True),
    )


def interned_settings(
    shared: dict[Any, PresenceSettings],
    values: Mapping[str, Any],
    fields: Sequence[str] = WRITABLE_FIELDS,
) -> PresenceSettings:
    """The `fields` of `values` in wire order, one dict per distinct combination."""
    settings = cast(PresenceSettings, {k: values[k] for k in fields if k in values})
    return shared.setdefault(tuple(settings.items()), settings)


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------
# Writing a fixture
# ---------------------------------------------------------------------------------------------
def directory_to_dict(directory: Directory) -> dict[str, Any]:
    """The fixture JSON of a Directory; `directory_from_dict` of it gives an equal Directory."""
    return {
        "formatVersion": FORMAT_VERSION,
        "apps": [_app_to_dict(app) for app in directory.apps],
        "accounts": [_account_to_dict(account) for account in directory.accounts],
    }


def _app_to_dict(app: App) -> dict[str, Any]:
    found: dict[str, Any] = {
        "clientId": app.client_id,
        "clientSecret": app.client_secret,
        "name": app.name,
        "permissions": sorted(app.permissions),
    }
    # Written only when set, so the fixture of a seeded directory stays as it was.
    if app.public:
        found["public"] = True
    if app.accounts is not None:
        found["accounts"] = sorted(app.accounts)
    return found


def _account_to_dict(account: Account) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": account.id,
        "name": account.name,
        "mainNumber": account.main_number,
    }
    if account.communication_handling:  # written only when set: legacy is the default
        found["communicationHandling"] = True
    found["extensions"] = [_extension_to_dict(ext) for ext in account.extensions]
    return found


def _extension_to_dict(ext: Extension) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": ext.id,
        "extensionNumber": ext.number,
        "type": ext.type.value,
        "name": ext.name,
    }
    if ext.admin:
        found["admin"] = True
    if ext.phone_number is not None:
        found["phoneNumber"] = ext.phone_number
    if ext.status != "Enabled":
        found["status"] = ext.status
    if ext.email is not None:
        found["email"] = ext.email
    if ext.type is ExtensionType.DEPARTMENT:
        found["queue"] = {
            "editableMemberStatus": ext.editable_member_status,
            "members": [{"id": m.extension_id, "acceptCalls": m.accept_calls} for m in ext.members],
        }
    if ext.type.is_user:
        found["presence"] = _presence_to_dict(ext)
    return found


def _presence_to_dict(ext: Extension) -> dict[str, Any]:
    presence: dict[str, Any] = dict(ext.settings)
    if ext.meeting_status is not None:
        presence["meetingStatus"] = ext.meeting_status
    if ext.active_calls:
        presence["activeCalls"] = [_copied(call) for call in ext.active_calls]
    return presence
