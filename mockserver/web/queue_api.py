"""Views of call-queue presence and unified presence (/restapi/v1.0): thin, like api.py's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from mockserver.platform.tokens import Caller
from mockserver.presence import parsing
from mockserver.web.context import request_state
from mockserver.web.rendering import ERROR_SCHEMA, json_batch_response, json_response

QUEUE_SCHEMA = "call-queue-presence"
AGENT_SCHEMA = "extension-call-queue-presence-list"
UNIFIED_SCHEMA = "unified-presence"
# A service's update: (caller, account ID, group or extension ID, the raw body) -> the record.
Update = Callable[[Caller, str, str, bytes], dict[str, Any]]


def read_queue_presence(account: str, group: str) -> Response:
    state = request_state()
    body = state.emulator.queues.read_queue(state.authenticated(), account, group)
    return json_response(body, QUEUE_SCHEMA)


def update_queue_presence(account: str, group: str) -> Response:
    return _update(request_state().emulator.queues.update_queue, account, group, QUEUE_SCHEMA)


def read_agent_presence(account: str, extension: str) -> Response:
    state = request_state()
    editable = None
    if "editableMemberStatus" in state.query:
        editable = parsing.flag(state.query, "editableMemberStatus")
    body = state.emulator.queues.read_agent(state.authenticated(), account, extension, editable)
    return json_response(body, AGENT_SCHEMA)


def update_agent_presence(account: str, extension: str) -> Response:
    return _update(request_state().emulator.queues.update_agent, account, extension, AGENT_SCHEMA)


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
    return _update(request_state().emulator.unified.update, account, extension, UNIFIED_SCHEMA)


def _update(write: Update, account: str, target: str, schema: str) -> Response:
    """A PUT: the body as sent to `write`, for the caller; what it returns, as `schema`."""
    state = request_state()
    raw = state.request.get_data()
    return json_response(write(state.authenticated(), account, target, raw), schema)


VIEWS: dict[str, Callable[..., Response]] = {
    "readCallQueuePresence": read_queue_presence,
    "updateCallQueuePresence": update_queue_presence,
    "readExtensionCallQueuePresence": read_agent_presence,
    "updateExtensionCallQueuePresence": update_agent_presence,
    "readUnifiedPresence": read_unified_presence,
    "updateUnifiedPresence": update_unified_presence,
}
