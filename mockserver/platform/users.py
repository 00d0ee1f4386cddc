"""Who can log in, and with what: usernames, passwords and the users list of `credentials`.

Passwords are derived, never stored: a readable string from a hash of the extension ID and the
keys' salt (the fixed demo salt by default), so the same account (seeded or from a fixture) gives
the same passwords on every machine and in every worker, and a fixture needs no secrets in it
(docs/decisions.md). `--random-credentials` derives the salt from a secret (credentials.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from mockserver.directory.model import Account, Directory, Extension
from mockserver.platform.credentials import DEMO_KEYS, Keys, credential_jwt


def password(ext: Extension, keys: Keys = DEMO_KEYS) -> str:
    """The password of a User extension, e.g. `Demo-3f9a1c-7be204` with the demo keys."""
    return keys.password(ext)


def username(account: Account, ext: Extension) -> str:
    """The user's direct number in E.164; without one, the account's main number (which then
    needs `extension` = the extension number at login, as on the platform)."""
    return ext.phone_number or account.main_number


def _digits(number: str) -> str:
    """E.164 with or without the leading + (the SDK docs show both)."""
    return number.strip().removeprefix("+")


def find_user(directory: Directory, login: str, extension: str | None) -> Extension | None:
    """The User that `username` (+ optional `extension` number) names, or None.

    A direct number names its owner (an `extension` that is not theirs names nobody). The main
    number names the extension with that number, or the account's administrator without one.
    """
    wanted = _digits(login)
    if not wanted:
        return None
    for account in directory.accounts:
        if _digits(account.main_number) == wanted:
            if not extension:
                return account.administrator
            found = next((e for e in account.extensions if e.number == extension), None)
            return found if found is not None and found.type.is_user else None
        for ext in account.extensions:
            if ext.phone_number and _digits(ext.phone_number) == wanted and ext.type.is_user:
                return ext if not extension or extension == ext.number else None
    return None


def password_matches(ext: Extension, given: str, keys: Keys) -> bool:
    return secrets.compare_digest(password(ext, keys).encode(), given.encode())


def users(directory: Directory, keys: Keys = DEMO_KEYS) -> list[dict[str, Any]]:
    """One login per User extension of every account, for `presence-mock credentials --json`."""
    return [
        {
            "accountId": account.id,
            "extensionId": ext.id,
            "extensionNumber": ext.number,
            "name": ext.name,
            "username": username(account, ext),
            "password": password(ext, keys),
            "jwt": credential_jwt(ext, keys),
            "admin": ext.admin,
        }
        for account in directory.accounts
        for ext in account.extensions
        if ext.type.is_user
    ]
