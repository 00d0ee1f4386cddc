"""The read-only statuses the platform computes: telephonyStatus and presenceStatus."""

from __future__ import annotations

from collections.abc import Iterable

from mockserver.directory.model import ActiveCall, ExtensionType

# The call states that keep a user busy (docs/contract.md#presence-status-derivation); Ringing
# alone does not.
BUSY_TELEPHONY = frozenset({"CallConnected", "OnHold", "ParkedCall"})

# Users who cannot be reached whatever they set: not yet activated, or disabled by the account
# (decision PRES-16). Frozen is not among them.
INACTIVE_STATUSES = frozenset({"NotActivated", "Disabled"})

# When a user has several calls, the line reads as one of them. The spec is silent;
# decision PRES-1 sets the priority CallConnected > OnHold > Ringing > ParkedCall >
# NoCall: a call ringing now outranks one parked and waiting .
_TELEPHONY_RANK = {"NoCall": 0, "ParkedCall": 1, "Ringing": 2, "OnHold": 3, "CallConnected": 4}


def telephony_status(active_calls: Iterable[ActiveCall]) -> str:
    """The extension's telephonyStatus: NoCall without calls, else its highest-ranked call's."""
    statuses = [call.get("telephonyStatus", "NoCall") for call in active_calls]
    return max(statuses, key=_TELEPHONY_RANK.__getitem__, default="NoCall")


def presence_status(
    extension_type: ExtensionType,
    user_status: str,
    telephony: str,
    meeting_status: str | None,
    extension_status: str = "Enabled",
) -> str:
    """Aggregate presenceStatus (docs/contract.md#presence-status-derivation, decision PRES-16).
    DND never changes it."""
    if not extension_type.is_user or user_status == "Offline":
        return "Offline"
    if extension_status in INACTIVE_STATUSES:
        return "Offline"
    if user_status == "Busy" or telephony in BUSY_TELEPHONY or meeting_status == "Connected":
        return "Busy"
    return "Available"
