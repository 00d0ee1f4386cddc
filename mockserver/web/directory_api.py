"""Views of the directory and active calls (/restapi/v1.0): thin, like api.py's."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from mockserver.presence import parsing
from mockserver.web.context import state
from mockserver.web.rendering import json_response


def read_account_info(account: str) -> Response:
    now = state()
    body = now.emulator.directory_service.account_info(now.base_url(), now.authenticated(), account)
    return json_response(body, "get-account-info-response")


def list_extensions(account: str) -> Response:
    now = state()
    body = now.emulator.directory_service.list_extensions(
        now.base_url(), now.authenticated(), account, now.query, parsing.page(now.query)
    )
    return json_response(body, "get-extension-list-response")


def read_extension(account: str, extension: str) -> Response:
    now = state()
    body = now.emulator.directory_service.read_extension(
        now.base_url(), now.authenticated(), account, extension
    )
    return json_response(body, "get-extension-info-response")


def list_active_calls(account: str, extension: str) -> Response:
    now = state()
    body = now.emulator.active_calls.list(
        now.base_url(),
        now.authenticated(),
        account,
        extension,
        now.query,
        parsing.page(now.query, most=True),
    )
    return json_response(body, "call-log-response")


VIEWS: dict[str, Callable[..., Response]] = {
    "readAccountInfo": read_account_info,
    "listExtensions": list_extensions,
    "readExtension": read_extension,
    "listExtensionActiveCalls": list_active_calls,
}
