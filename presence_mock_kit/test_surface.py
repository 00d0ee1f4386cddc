"""The rest of a presence app's surface: the directory, call-queue and unified
presence, active calls and the batch as JSON; read-only, fair to the real platform."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from mockserver.schemas import schema_dir

from .checks import (
    ACCOUNT_FIELDS,
    EXTENSION_FIELDS,
    USER_FIELDS,
    USER_INFO_FIELDS,
    conforms,
    json_body,
    navigation,
    paging,
    read_fields,
    status,
)
from .client import API, Exchange, Target
from .findings import Verdict
from .surfaces import (
    ACCOUNT_INFO,
    ACTIVE_CALLS,
    BATCH_JSON,
    DIRECTORY,
    EXTENSION_INFO,
    QUEUES,
    UNIFIED,
)

MULTIPART_JSON = "application/vnd.ringcentral.multipart+json"
UNKNOWN = "424242424242"
# Extension types whose presence is always Offline (docs/contract.md#non-user-extensions).
NON_USER_TYPES = {
    "Department",
    "Announcement",
    "Voicemail",
    "FaxUser",
    "PagingOnly",
    "SharedLinesGroup",
    "IvrMenu",
    "ApplicationExtension",
    "ParkLocation",
}
QUEUE_DND = {"DoNotAcceptAnyCalls", "DoNotAcceptDepartmentCalls"}


@cache
def _presence_fields() -> frozenset[str]:
    """The fields PresenceInfoResponse declares."""
    schema = json.loads((schema_dir() / "presence-info-response.json").read_text("utf-8"))
    return frozenset(schema["properties"])


@pytest.fixture(scope="module")
def directory(target: Target) -> list[dict[str, Any]]:
    """Every extension record of the account (perPage=1000, up to 5 pages)."""
    records: list[dict[str, Any]] = []
    for number in range(1, 6):
        answer = target.get(f"{API}/extension", {"page": str(number), "perPage": "1000"})
        if answer.status != 200:
            pytest.fail(f"cannot list extensions: {answer.described()}", pytrace=False)
        body = answer.json()
        records += body.get("records") or []
        if "nextPage" not in (body.get("navigation") or {}):
            break
    return records


@pytest.mark.endpoint(ACCOUNT_INFO)
def test_account_info_conforms(target: Target, verdict: Verdict) -> None:
    answer = target.get(API)
    conforms(verdict, answer, "get-account-info-response")
    if answer.status == 200:
        read_fields(verdict, answer, answer.json(), ACCOUNT_FIELDS)
    verdict.settle()


@pytest.mark.endpoint(DIRECTORY)
def test_extension_list_conforms_and_pages(
    target: Target, verdict: Verdict, directory: list[dict[str, Any]]
) -> None:
    per_page = max(1, len(directory) // 3 + 1)
    seen: set[Any] = set()
    for number in range(1, 5):
        answer = target.get(f"{API}/extension", {"page": str(number), "perPage": str(per_page)})
        if not status(verdict, answer, 200):
            break
        body = json_body(verdict, answer)
        if not isinstance(body, dict):
            break
        verdict.schema(answer, "get-extension-list-response", body)
        paging(verdict, answer, body, number, per_page)
        navigation(verdict, answer, body, number, per_page)
        for index, record in enumerate(body.get("records") or []):
            user = isinstance(record, dict) and record.get("type") == "User"
            fields = USER_FIELDS if user else EXTENSION_FIELDS
            read_fields(verdict, answer, record, fields, f"$.records[{index}]")
        seen |= {r.get("id") for r in body.get("records") or []}
        if "nextPage" not in (body.get("navigation") or {}):
            break
    verdict.settle()


@pytest.mark.endpoint(EXTENSION_INFO)
def test_extension_info_conforms_for_each_type(
    target: Target, verdict: Verdict, directory: list[dict[str, Any]]
) -> None:
    chosen = {"~": None} | {str(r.get("type")): r.get("id") for r in directory}
    for kind, ext in chosen.items():
        answer = target.get(f"{API}/extension/{'~' if ext is None else ext}")
        if status(verdict, answer, 200):
            body = json_body(verdict, answer)
            # The spec declares departments[].id `format: uri`, which no real ID meets; the
            # kit does not fail a server for the spec's slip (docs/decisions.md).
            for item in (body or {}).get("departments") or []:
                if isinstance(item, dict):
                    item.pop("id", None)
            verdict.schema(answer, "get-extension-info-response", body, f"{kind}: ")
            user = kind in ("~", "User")
            read_fields(verdict, answer, body, USER_INFO_FIELDS if user else EXTENSION_FIELDS)
    verdict.settle()


@pytest.mark.endpoint(DIRECTORY)
def test_non_users_read_offline_through_the_directory(
    target: Target, verdict: Verdict, directory: list[dict[str, Any]]
) -> None:
    """Found through the directory: a non-user's record is uri, extension, Offline
    (docs/contract.md#non-user-extensions)."""
    kinds = {str(r["id"]): r.get("type") for r in directory if r.get("type") in NON_USER_TYPES}
    for ext in list(kinds)[:30]:
        answer = target.get(f"{API}/extension/{ext}/presence")
        if not status(verdict, answer, 200):
            continue
        body = json_body(verdict, answer) or {}
        # Fields the platform adds one day are warned about elsewhere, never failed here.
        said = sorted(set(body) & _presence_fields())
        allowed = {"uri", "extension", "presenceStatus"}
        if kinds[ext] == "ParkLocation" and body.get("telephonyStatus") == "ParkedCall":
            allowed.add("telephonyStatus")  # while it holds a parked call (same section)
        verdict.expect(
            set(said) <= allowed,
            answer,
            "$",
            "a non-user record holds only uri, extension and presenceStatus "
            "(docs/contract.md#non-user-extensions)",
            said,
            "['extension', 'presenceStatus', 'uri']",
        )
        verdict.expect(
            body.get("presenceStatus") == "Offline",
            answer,
            "$.presenceStatus",
            "a non-user extension is Offline (docs/contract.md#non-user-extensions)",
            body.get("presenceStatus"),
            "Offline",
        )
    verdict.settle()


@pytest.mark.endpoint(QUEUES)
def test_queue_and_agent_views_agree(
    target: Target, verdict: Verdict, directory: list[dict[str, Any]]
) -> None:
    """One flag seen from two sides; acceptQueueCalls mirrors the member's DND."""
    queues = [str(r["id"]) for r in directory if r.get("type") == "Department"][:3]
    for queue in queues:
        answer = target.get(f"{API}/call-queues/{queue}/presence")
        if not status(verdict, answer, 200):
            continue
        body = json_body(verdict, answer) or {}
        verdict.schema(answer, "call-queue-presence", body)
        for record in (body.get("records") or [])[:5]:
            member = str((record.get("member") or {}).get("id"))
            _agent_agrees(target, verdict, answer, queue, member, record)
    verdict.settle()


def _agent_agrees(
    target: Target,
    verdict: Verdict,
    queue_answer: Exchange,
    queue: str,
    member: str,
    record: dict[str, Any],
) -> None:
    agent = target.get(f"{API}/extension/{member}/call-queue-presence")
    if not status(verdict, agent, 200):
        return
    body = json_body(verdict, agent) or {}
    verdict.schema(agent, "extension-call-queue-presence-list", body)
    mine = [
        r for r in body.get("records") or [] if str((r.get("callQueue") or {}).get("id")) == queue
    ]
    if not verdict.expect(
        len(mine) == 1,
        agent,
        "$.records",
        "the agent view lists each queue the queue view lists the agent in",
        f"<{len(mine)} records of queue {queue}>",
        "1 record",
    ):
        return
    verdict.expect(
        mine[0].get("acceptCalls") == record.get("acceptCurrentQueueCalls"),
        agent,
        f"$.records[callQueue.id={queue}].acceptCalls",
        "acceptCalls = the queue view's acceptCurrentQueueCalls (docs/contract.md#queues)",
        mine[0].get("acceptCalls"),
        record.get("acceptCurrentQueueCalls"),
    )
    presence = target.get(f"{API}/extension/{member}/presence")
    dnd = presence.json().get("dndStatus") if presence.status == 200 else None
    if dnd is not None and "acceptQueueCalls" in record:
        verdict.expect(
            record["acceptQueueCalls"] == (dnd not in QUEUE_DND),
            queue_answer,
            f"$.records[member.id={member}].acceptQueueCalls",
            "acceptQueueCalls mirrors the member's dndStatus (docs/contract.md#queues)",
            record["acceptQueueCalls"],
            f"{dnd not in QUEUE_DND} (dndStatus {dnd})",
        )


@pytest.mark.endpoint(UNIFIED)
def test_unified_presence_conforms(target: Target, verdict: Verdict) -> None:
    conforms(verdict, target.get(f"{API}/extension/~/unified-presence"), "unified-presence")
    verdict.settle()


@pytest.mark.endpoint(ACTIVE_CALLS)
def test_active_calls_conform(
    target: Target, verdict: Verdict, directory: list[dict[str, Any]]
) -> None:
    for view in ("Simple", "Detailed"):
        answer = target.get(f"{API}/extension/~/active-calls", {"view": view})
        if status(verdict, answer, 200):
            body = json_body(verdict, answer) or {}
            verdict.schema(answer, "call-log-response", body)
            starts = [str(r.get("startTime")) for r in body.get("records") or []]
            verdict.expect(
                starts == sorted(starts, reverse=True),
                answer,
                "$.records[*].startTime",
                "newest first (the spec: ordered by start time, descending)",
                starts,
                "descending",
            )
    verdict.settle()


@pytest.mark.endpoint(BATCH_JSON)
def test_batch_as_json(target: Target, verdict: Verdict, some_ids: list[str]) -> None:
    """207, the multipart+json type, one item per ID in request order
    (docs/contract.md#batch-json)."""
    ids = [*reversed(some_ids), UNKNOWN]
    answer = target.get(
        f"{API}/extension/{','.join(ids)}/presence", headers={"Accept": MULTIPART_JSON}
    )
    if not status(verdict, answer, 207):
        verdict.settle()
    kind = answer.headers.get("Content-Type", "")
    verdict.expect(
        kind.startswith(MULTIPART_JSON),
        answer,
        "Content-Type header",
        "the batch as JSON when asked by Accept (docs/contract.md#batch-json)",
        kind,
        MULTIPART_JSON,
    )
    try:
        items = answer.json()
    except ValueError:
        items = None
    if not verdict.expect(
        isinstance(items, list) and len(items) == len(ids),
        answer,
        "$",
        "a JSON array, one item per ID (docs/contract.md#batch-json)",
        repr(answer.content[:60]),
        f"{len(ids)} items",
    ) or not isinstance(items, list):
        verdict.settle()
    for index, (wanted, item) in enumerate(zip(ids, items, strict=False)):
        item = item if isinstance(item, dict) else {}
        expected = 404 if wanted == UNKNOWN else 200
        verdict.expect(
            item.get("status") == expected,
            answer,
            f"$[{index}].status",
            "200 per known ID, 404 for an unknown one, in request order "
            "(docs/contract.md#batch-json)",
            item.get("status"),
            expected,
        )
        if wanted not in ("~", UNKNOWN):
            verdict.expect(
                str(item.get("resourceId")) == wanted,
                answer,
                f"$[{index}].resourceId",
                "items in request order (docs/contract.md#batch-json)",
                item.get("resourceId"),
                wanted,
            )
        schema = "error" if expected == 404 else "presence-info-response"
        verdict.schema(answer, schema, item.get("body"), f"$[{index}].body: ")
    verdict.settle()
