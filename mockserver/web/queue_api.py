"""Views of call-queue presence and unified presence (/restapi/v1.0): thin, like api.py's."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from mockserver.presence import parsing
from mockserver.web.context import request_state
from mockserver.web.rendering import ERROR_SCHEMA, json_batch_response, json_response

QUEUE_SCHEMA = "call-queue-presence"
AGENT_SCHEMA = "extension-call-queue-presence-list"
UNIFIED_SCHEMA = "unified-presence"


def read_queue_presence(account: str, group: str) -> Response:
    state = request_state()
    body = state.emulator.queues.read_queue(state.authenticated(), account, group)
    return json_response(body, QUEUE_SCHEMA)


def update_queue_presence(account: str, group: str) -> Response:
    state = request_state()
    raw = state.request.get_data()
    body = state.emulator.queues.update_queue(state.authenticated(), account, group, raw)
    return json_response(body, QUEUE_SCHEMA)


def read_agent_presence(account: str, extension: str) -> Response:
    state = request_state()
    editable = None
    if "editableMemberStatus" in state.query:
        editable = parsing.flag(state.query, "editableMemberStatus")
    body = state.emulator.queues.read_agent(state.authenticated(), account, extension, editable)
    return json_response(body, AGENT_SCHEMA)


def update_agent_presence(account: str, extension: str) -> Response:
    state = request_state()
    raw = state.request.get_data()
    body = state.emulator.queues.update_agent(state.authenticated(), account, extension, raw)
    return json_response(body, AGENT_SCHEMA)


def read_unified_presence(account: str, extension: str) -> Response:
    state = request_state()
    ids = parsing.extension_ids(extension)
    unified, caller = state.emulator.unified, state.authenticated()
    if len(ids) == 1:
        return json_response(unified.read_one(caller, account, ids[0]), UNIFIED_SCHEMA)
    # 207 with a plain JSON array, as the recorded example (decision UNI-4).
    items = unified.read_batch(caller, account, ids)
    shapes = [UNIFIED_SCHEMA if i["status"] == 200 else ERROR_SCHEMA for i in items]
    return json_batch_response(items, shapes)


def update_unified_presence(account: str, extension: str) -> Response:
    state = request_state()
    raw = state.request.get_data()
    body = state.emulator.unified.update(state.authenticated(), account, extension, raw)
    return json_response(body, UNIFIED_SCHEMA)


VIEWS: dict[str, Callable[..., Response]] = {
    "readCallQueuePresence": read_queue_presence,
    "updateCallQueuePresence": update_queue_presence,
    "readExtensionCallQueuePresence": read_agent_presence,
    "updateExtensionCallQueuePresence": update_agent_presence,
    "readUnifiedPresence": read_unified_presence,
    "updateUnifiedPresence": update_unified_presence,
}
