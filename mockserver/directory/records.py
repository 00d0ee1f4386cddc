"""Directory records in wire shape: account info, extension list items and extension info.

Pure functions of the model. Field order and types follow the platform's recorded examples
(the 2021 spec's x-http-examples; docs/decisions.md "Platform examples compared"): numeric
`id`s, but `account.id` and dictionary ids as strings.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mockserver.directory.model import Account, Extension
from mockserver.operations import API_PREFIX
from mockserver.timestamps import iso_millis

Record = dict[str, Any]

# Fields of the recorded account and extension examples (docs/recorded.md), made up for the
# seeded office: the same for the same IDs in every process (decision FID-3).
# Offices an account's users work at, as the recorded contact addresses are written.
_OFFICES = (
    {"street": "20 Davis Drive", "city": "Belmont", "zip": "94002", "state": "CA"},
    {"street": "13 Elm Street", "city": "Foster City", "zip": "94404", "state": "CA"},
    {"street": "500 Boylston Street", "city": "Boston", "zip": "02116", "state": "MA"},
    {"street": "1801 California Street", "city": "Denver", "zip": "80202", "state": "CO"},
)
# The service features of the recorded readExtension example, by name; the emulator has every
# feature it serves on and says so.
_FEATURES: tuple[tuple[str, bool, str | None], ...] = (
    ("SMS", True, None),
    ("SMSReceiving", True, None),
    ("Pager", True, None),
    ("PagerReceiving", True, None),
    ("Voicemail", True, None),
    ("Fax", True, None),
    ("FaxReceiving", True, None),
    ("DND", True, None),
    ("RingOut", True, None),
    ("InternationalCalling", False, "AccountLimitation"),
    ("Presence", True, None),
    ("VideoConferencing", True, None),
    ("Intercom", True, None),
    ("Paging", True, None),
    ("Conferencing", True, None),
    ("VoipCalling", True, None),
    ("CallPark", True, None),
    ("OnDemandCallRecording", True, None),
    ("CallForwarding", True, None),
    ("EmergencyCalling", True, None),
    ("HDVoice", True, None),
    ("WebPhone", True, None),
    ("RCTeams", True, None),
    ("Calendar", True, None),
)
_SCALES = ("90x90", "195x195", "584x584")
_IMAGE_EPOCH = 1_704_067_200  # 2024-01-01: profile pictures were uploaded after it
_SITE = {"id": "main-site", "name": "Main Site"}  # the queue presence's site (QUEUE-5)


def _digest(*parts: object) -> str:
    return hashlib.md5(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _office(account_id: int) -> Record:
    return {
        **_OFFICES[int(_digest(account_id)[:8], 16) % len(_OFFICES)],
        "country": "United States",
    }


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
    """GetAccountInfoResponse with every field of the recorded examples; the operator is the
    extension numbered 101 (else the admin)."""
    uri = account_uri(base, account.id)
    operator = next((e for e in account.extensions if e.number == "101"), account.administrator)
    regional = _regional(base)
    # The account's home country is written short, as both recorded account examples show.
    regional["homeCountry"] = {key: regional["homeCountry"][key] for key in ("uri", "id", "name")}
    regional["currency"] = {
        "id": 1,
        "code": "USD",
        "name": "United States Dollars",
        "symbol": "$",
        "minorSymbol": "\u00a2",
    }
    users = sum(1 for e in account.extensions if e.type.is_user)
    return {
        "uri": uri,
        "id": account.id,
        "serviceInfo": {
            "uri": f"{uri}/service-info",
            "brand": {"id": "1210", "name": "RingCentral", "homeCountry": _country(base)},
            "contractedCountry": {"id": "1", "uri": f"{base}{API_PREFIX}/dictionary/country/1"},
            "servicePlan": {"id": "1216", "name": "Professional", "edition": "Unknown"},
            "billingPlan": {
                "id": "159",
                "name": "Monthly",
                "durationUnit": "Month",
                "duration": 1,
                "type": "Regular",
                "includedPhoneLines": users,
            },
        },
        "operator": {
            "uri": extension_uri(base, account.id, operator.id),
            "id": operator.id,
            "extensionNumber": operator.number,
        },
        "mainNumber": account.main_number,
        "status": "Confirmed",
        "signupInfo": {
            "tosAccepted": True,
            "signupState": [
                "BillingEntered",
                "AccountCreated",
                "AccountConfirmed",
                "CreditCardApproved",
            ],
            "verificationReason": "Unknown",
        },
        "setupWizardState": "Completed",
        "regionalSettings": regional,
        "federated": False,
        # The customer-facing caller ID: the main number's digits.
        "cfid": account.main_number.lstrip("+"),
    }


def _contact(ext: Extension, company: str | None, full: bool = False) -> Record:
    """The contact, with the fields of the recorded examples a user has: the list item's
    (company, business phone) and, `full`, readExtension's (address, pronounced name)."""
    contact: Record = {"firstName": ext.first_name}
    if ext.last_name is not None:
        contact["lastName"] = ext.last_name
    if ext.type.is_user and company is not None:
        contact["company"] = company
    if ext.email is not None:
        contact["email"] = ext.email
    if ext.type.is_user and ext.phone_number is not None:
        contact["businessPhone"] = ext.phone_number
    if full and ext.type.is_user:
        contact["businessAddress"] = _office(ext.account_id)
    if ext.email is not None:
        contact["emailAsLoginName"] = True
    if full and ext.type.is_user:
        contact["pronouncedName"] = {"type": "Default", "text": ext.name}
    return contact


def _profile_image(uri: str, ext: Extension) -> Record:
    """The picture's link; about two users in three uploaded one, and theirs carries its
    etag, type, date and scales, as the recorded examples show."""
    image: Record = {"uri": f"{uri}/profile-image"}
    digest = _digest("profile-image", ext.id)
    if int(digest[:2], 16) % 3 != 0:
        uploaded = _IMAGE_EPOCH + int(digest[2:10], 16) % (700 * 86400)
        image["etag"] = digest
        image["contentType"] = "image/jpeg"
        image["lastModified"] = iso_millis(uploaded)
        image["scales"] = [{"uri": f"{uri}/profile-image/{scale}"} for scale in _SCALES]
    return image


def extension_record(
    base: str, ext: Extension, company: str | None = None, full: bool = False
) -> Record:
    """One item of listExtensions (GetExtensionListInfoResponse), in the example's key order;
    `company` is the account's name."""
    uri = extension_uri(base, ext.account_id, ext.id)
    record: Record = {
        "uri": uri,
        "id": ext.id,
        "extensionNumber": ext.number,
        "contact": _contact(ext, company, full),
        "name": ext.name,
        "type": ext.type.value,
        "status": ext.status,
    }
    if ext.type.is_user:
        record["permissions"] = {
            "admin": {"enabled": ext.admin},
            "internationalCalling": {"enabled": False},
        }
        record["profileImage"] = _profile_image(uri, ext)
    return record


def extension_info(
    base: str, ext: Extension, queues: list[Extension], own: bool, company: str | None = None
) -> Record:
    """readExtension (GetExtensionInfoResponse): the list item plus account and settings, with
    the fields of the recorded examples (the contact's address and pronounced name, service
    features, site; decision FID-3).

    `departments` lists the queues a User belongs to (docs/contract.md#directory); a user's own
    extension adds `regionalSettings`, as the recorded example of `~` shows.
    """
    record = extension_record(base, ext, company, full=True)
    if ext.type.is_user:
        record["serviceFeatures"] = [
            {"featureName": name, "enabled": enabled, **({"reason": why} if why else {})}
            for name, enabled, why in _FEATURES
        ]
    if own or ext.type.is_user:
        # Every user's record has them: the recorded own extension and the guide's user object
        # (another user's record) both do (decision FID-16).
        record["regionalSettings"] = _regional(base)
    # A user who never activated has not started the setup wizard (the guide's user object).
    record["setupWizardState"] = "NotStarted" if ext.status == "NotActivated" else "Completed"
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
    if ext.type.is_user:
        # No `id`, as in `departments`: the spec declares ProvisioningSiteInfo.id `format: uri`,
        # which the site's ID is not; its uri names it (decision FID-3).
        site = account_uri(base, ext.account_id) + f"/site/{_SITE['id']}"
        record["site"] = {"uri": site, "name": _SITE["name"]}
    record["hidden"] = False
    return record
