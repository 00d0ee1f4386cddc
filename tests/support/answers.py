"""Reading the emulator's answers in tests: the platform's error body, a batch's parts, and an
extension of the directory that passes a test."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable
from typing import Any

from werkzeug.test import TestResponse

from mockserver.directory.model import Directory, Extension


def assert_error(answer: TestResponse, status: int, code: str, **fields: str) -> dict[str, Any]:
    """The platform's error body (docs/contract.md#error-shape) of `answer`: its status, its
    code at both levels, and the given fields of its first item."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    body: dict[str, Any] = answer.get_json()
    assert body["errorCode"] == code
    assert body["errors"][0]["errorCode"] == code
    for key, value in fields.items():
        assert body["errors"][0][key] == value
    return body


def parts_of(answer: TestResponse) -> list[Any]:
    """Parse a 207 answer the way the Python SDK does: with the email package."""
    head = f"Content-Type: {answer.headers['Content-Type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + answer.get_data(), policy=email.policy.HTTP)
    return [json.loads(part.get_content()) for part in message.iter_parts()]


def find(directory: Directory, test: Callable[[Extension], bool], account: int = 0) -> Extension:
    """The first extension of an account that passes `test`."""
    return next(e for e in directory.accounts[account].extensions if test(e))


def assert_one_line(message: str, *needles: str) -> None:
    """`message` is one short line (no tree, no traceback) that says each of `needles`."""
    assert "\n" not in message and len(message) < 400, message
    for needle in needles:
        assert needle in message, message


# "Billion laughs", three levels: 9**3 strings once expanded (the real one nests ten).
YAML_ALIAS_BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
steps: [{at: 1s, ring: {from: "+15550100", to: *c}}]
"""
