"""The seeded directory as a live server builds it: the same seed gives the same IDs."""

from __future__ import annotations

from mockserver.config import DEFAULT_SEED
from mockserver.directory.builder import build_directory

PRESENCE = "/restapi/v1.0/account/~/extension/{}/presence"


def user_ids(extensions: int) -> list[int]:
    """Users of the first account (the same seed builds the same directory as the server)."""
    account = build_directory(DEFAULT_SEED, extensions).accounts[0]
    return [e.id for e in account.extensions if e.type.is_user]
