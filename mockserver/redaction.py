"""What may be shown of a request in a log line or the journal: secrets masked, control
characters escaped.

A log line or a journal entry is read by people and pasted into issues: a token, a client
secret, a password or a JWT sent in a query string must not travel with it; and a CR or LF in a
path must not start a line of its own that reads like another request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MASK = "***"
# Query parameters that carry a credential on the platform's token, revoke and API endpoints.
SECRET_NAMES = frozenset(
    {
        "access_token",
        "refresh_token",
        "token",
        "client_secret",
        "password",
        "assertion",
        "code",
        "code_verifier",
        "jwt",
    }
)
# A JWT wherever it appears: three base64url segments, the header starting `{"` (eyJ).
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")


def mask_query(query: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The query with every credential replaced by `***`."""
    return {
        name: [MASK] * len(values)
        if name.lower() in SECRET_NAMES
        else [_JWT.sub(MASK, value) for value in values]
        for name, values in query.items()
    }


def query_text(query: Mapping[str, Sequence[str]]) -> str:
    """`a=1&b=2` of a query already masked, escaped for one log line."""
    return escape("&".join(f"{name}={value}" for name, values in query.items() for value in values))


def escape(text: str) -> str:
    """`text` with control and line-separator characters written as Python escapes (`\\r`)."""
    if text.isprintable():  # the usual case, in one C call
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
