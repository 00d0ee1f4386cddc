"""wire.dumps writes the json module's compact ASCII bytes, whichever encoder runs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.directory.builder import build_directory
from mockserver.presence import wire


def _reference(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _page_of_every_view() -> list[Any]:
    account = build_directory().accounts[0]
    views = [wire.View(detailed, sip) for detailed in (False, True) for sip in (False, True)]
    return [
        {
            "records": [
                wire.presence_record("http://127.0.0.1:8080", ext, ext.settings, view)
                if ext.type.is_user
                else wire.offline_record("http://127.0.0.1:8080", ext)
                for ext in account.extensions
            ]
        }
        for view in views
    ]


BODIES = {
    "pages": _page_of_every_view(),
    "non-ASCII text is escaped": {"name": "Zoë Ångström", "emoji": "\U0001f600"},
    "int keys become strings": {1: "a", 2: {3: None}},
    "numbers": [0, -1, 2**53, 1763750000.123, 0.1, 3.0, True, False, None],
    "a very big int": {"n": 2**70},
}


@pytest.mark.parametrize("name", BODIES)
def test_dumps_writes_the_json_modules_bytes(name: str) -> None:
    body = BODIES[name]
    assert wire.dumps(body) == _reference(body)
    assert wire.dumps(body).isascii()
