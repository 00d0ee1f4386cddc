"""Views of the directory and active calls (/restapi/v1.0): thin, like api.py's."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from mockserver.presence import parsing
from mockserver.web.context import request_state
from mockserver.web.rendering import json_response


def read_account_info(account: str) -> Response:
    state = request_state()
    body = state.emulator.directory_service.account_info(
        state.base_url(), state.authenticated(), account
    )
    return json_response(body, "get-account-info-response")


def list_extensions(account: str) -> Response:
    state = request_state()
    body = state.emulator.directory_service.list_extensions(
        state.base_url(), state.authenticated(), account, state.query, parsing.page(state.query)
    )
    return json_response(body, "get-extension-list-response")


def read_extension(account: str, extension: str) -> Response:
    state = request_state()
    body = state.emulator.directory_service.read_extension(
        state.base_url(), state.authenticated(), account, extension
    )
    return json_response(body, "get-extension-info-response")


def list_active_calls(account: str, extension: str) -> Response:
    state = request_state()
    body = state.emulator.active_calls.list(
        state.base_url(),
        state.authenticated(),
        account,
        extension,
        state.query,
        parsing.page(state.query, most=True),
    )
    return json_response(body, "call-log-response")


VIEWS: dict[str, Callable[..., Response]] = {
    "readAccountInfo": read_account_info,
    "listExtensions": list_extensions,
    "readExtension": read_extension,
    "listExtensionActiveCalls": list_active_calls,
}
