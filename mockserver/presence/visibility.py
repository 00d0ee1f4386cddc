"""Who may see whom (docs/contract.md#visibility): a user hidden by `allowSeeMyPresence: false`
reads Offline to everyone but themself and an administrator. Presence reads and event
notifications both ask here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def visible(settings: Mapping[str, Any], *, own: bool, admin: bool) -> bool:
    """Whether a reader sees these presence settings as they are: `own` when the reader is the
    extension itself, `admin` when the reader is an administrator of its account."""
    return own or admin or settings.get("allowSeeMyPresence", True) is not False
