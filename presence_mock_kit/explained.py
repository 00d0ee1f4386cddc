"""Why an expected event did not come, asked of the emulator (docs/explain.md).

When a subscription test waits in vain, the kit asks the target's `/_mock/events/explain`;
the emulator answers what it weighed for the subscription and why it was not delivered, and the
failure message carries it. Any other server has no such endpoint: the message stays as it was.
A plain `requests` call, not the kit's recorded ones: it is no part of the contract judged.
"""

from __future__ import annotations

from typing import Any

import requests

PATH = "/_mock/events/explain"
SHOWN = 3  # changes quoted in a failure message


def explanation(base_url: str, subscription_id: str, extension_id: str | None = None) -> str:
    """`; the emulator says: ...` for the subscription's latest changes, or "" when the target
    does not explain (not the emulator, its controls locked, or unreachable)."""
    params = {"subscriptionId": subscription_id, "limit": str(SHOWN)}
    if extension_id:
        params["extensionId"] = extension_id
    try:
        answer = requests.get(base_url.rstrip("/") + PATH, params=params, timeout=5)
        found = answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return ""
    if not isinstance(found, dict) or not isinstance(found.get("changes"), list):
        return ""
    said = [_said(change) for change in found["changes"] if isinstance(change, dict)]
    said = [s for s in said if s]
    if not said:
        return "; the emulator weighed this subscription for no change of that extension"
    return "; the emulator says: " + " | ".join(said)


def _said(change: dict[str, Any]) -> str:
    rows = [r for r in change.get("subscriptions", []) if isinstance(r, dict)]
    if not rows:
        return ""
    row = rows[0]
    seq = f" #{change['sequence']}" if "sequence" in change else ""
    detail = f": {row['detail']}" if row.get("detail") else ""
    where = f"{change.get('timestamp')} ext {change.get('extensionId')}{seq}"
    return f"{where} {row.get('reason')}{detail}"
