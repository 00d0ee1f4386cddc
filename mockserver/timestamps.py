"""The platform's timestamp: ISO 8601 in UTC with milliseconds and `Z`, 2026-01-05T09:52:13.000Z.

Notification envelopes, subscriptions, call sessions and the seeded calls all write it
(docs/contract.md#notification-envelope).
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso_millis(seconds: float) -> str:
    """`seconds` since the epoch as the platform writes a moment: milliseconds, `Z`."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
