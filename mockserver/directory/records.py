"""Directory records in wire shape: account info, extension list items and extension info.

Pure functions of the model. Field order and types follow the platform's recorded examples
(the 2021 spec's x-http-examples; docs/decisions.md "Platform examples compared"): numeric
`id`s, but `account.id` and dictionary ids as strings.
"""

from __future__ import annotations

from typing import Any

from mockserver.directory.model import Account, Extension
from mockserver.operations import API_PREFIX

Record = dict[str, Any]

# The account's regional settings: a US account in Pacific time, as in the recorded example.
_LOCALE = {"id": "1033", "name": "English (United States)", "localeCode": "en-US"}


def account_uri(base: str, account_id: int) -> str:
    return f"{base}{API_PREFIX}/account/{account_id}"


def extension_uri(base: str, account_id: int, extension_id: int) -> str:
    return f"{account_uri(base, account_id)}/extension/{extension_id}"


def _country(base: str) -> Record:
    return {
        "uri": f"{base}{API_PREFIX}/dictionary/country/1",
        "id": "1",
        "name": "United States",
        "isoCode": "US",
        "callingCode": "1",
    }


def _regional(base: str) -> Record:
    return {
        "timezone": {
            "uri": f"{base}{API_PREFIX}/dictionary/timezone/58",
            "id": "58",
            "name": "US/Pacific",
            "description": "Pacific Time (US & Canada)",
            "bias": "-480",
        },
        "homeCountry": _country(base),
        "language": dict(_LOCALE),
        "greetingLanguage": dict(_LOCALE),
        "formattingLocale": dict(_LOCALE),
        "timeFormat": "12h",
    }


def account_info(base: str, account: Account) -> Record:
    """GetAccountInfoResponse; the operator is the extension numbered 101 (else the admin)."""
    uri = account_uri(base, account.id)
    operator = next((e for e in account.extensions if e.number == "101"), account.administrator)
    regional = _regional(base)
    regional["currency"] = {
        "id": 1,
        "code": "USD",
        "name": "United States Dollars",
        "symbol": "$",
    }
    return {
        "uri": uri,
        "id": account.id,
        "serviceInfo": {
            "uri": f"{uri}/service-info",
            "brand": {"id": "1210", "name": "RingCentral", "homeCountry": _country(base)},
            "servicePlan": {"id": "1216", "name": "Professional", "edition": "Unknown"},
        },
        "operator": {
            "uri": extension_uri(base, account.id, operator.id),
            "id": operator.id,
            "extensionNumber": operator.number,
        },
        "mainNumber": account.main_number,
        "status": "Confirmed",
        "setupWizardState": "Completed",
        "regionalSettings": regional,
        "federated": False,
    }


def _contact(ext: Extension) -> Record:
    contact: Record = {"firstName": ext.first_name}
    if ext.last_name is not None:
        contact["lastName"] = ext.last_name
    if ext.email is not None:
        contact["email"] = ext.email
        contact["emailAsLoginName"] = True
    return contact


def extension_record(base: str, ext: Extension) -> Record:
    """One item of listExtensions (GetExtensionListInfoResponse), in the example's key order."""
    uri = extension_uri(base, ext.account_id, ext.id)
    record: Record = {
        "uri": uri,
        "id": ext.id,
        "extensionNumber": ext.number,
        "contact": _contact(ext),
        "name": ext.name,
        "type": ext.type.value,
        "status": ext.status,
    }
    if ext.type.is_user:
        record["permissions"] = {
            "admin": {"enabled": ext.admin},
            "internationalCalling": {"enabled": False},
        }
        record["profileImage"] = {"uri": f"{uri}/profile-image"}
    return record


def extension_info(base: str, ext: Extension, queues: list[Extension], own: bool) -> Record:
    """readExtension (GetExtensionInfoResponse): the list item plus account and settings.

    `departments` lists the queues a User belongs to (docs/contract.md#directory); a user's own
    extension adds `regionalSettings`, as the recorded example of `~` shows.
    """
    record = extension_record(base, ext)
    if own:
        record["regionalSettings"] = _regional(base)
    record["setupWizardState"] = "Completed"
    if queues:
        # No `id`: the spec declares DepartmentInfo.id `format: uri`, which an ID never is;
        # the uri names the queue (docs/decisions.md).
        record["departments"] = [
            {
                "uri": extension_uri(base, queue.account_id, queue.id),
                "extensionNumber": queue.number,
            }
            for queue in queues
        ]
    record["account"] = {"uri": account_uri(base, ext.account_id), "id": str(ext.account_id)}
    record["hidden"] = False
    return record
