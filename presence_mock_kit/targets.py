"""What the kit accepts as a target: `inprocess`, or a server's base URL (scheme, host, port).

The kit adds `/restapi/v1.0/...` and `/restapi/oauth/...` itself, so a URL with a path would
make every request miss; one without a scheme is no URL at all. Both are refused in one line
before anything is sent (the command and the pytest option both call `target_problem`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .masking import url_without_userinfo

INPROCESS = "inprocess"
SCHEMES = ("http", "https")


def target_problem(value: str, flag: str = "--target") -> str | None:
    """None when `value` can be judged; else one line saying what is wrong and what to give."""
    if value == INPROCESS:
        return None
    shown = url_without_userinfo(value) if "://" in value else value  # never a password
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a port that is no number raises here)
    except ValueError:
        return f"{flag} {shown}: not a URL; expected e.g. http://127.0.0.1:8080 or {INPROCESS}"
    if parts.scheme not in SCHEMES or not parts.netloc:
        example = f"http://{value}" if "://" not in value else "http://127.0.0.1:8080"
        return (
            f"{flag} {shown}: expected a URL starting with http:// or https:// "
            f"(e.g. {example}), or {INPROCESS}"
        )
    if not parts.hostname:
        return f"{flag} {shown}: the URL names no host"
    if parts.path.rstrip("/") or parts.query or parts.fragment:
        base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        return (
            f"{flag} {shown}: give the server's base URL without a path ({base}); "
            "the kit adds /restapi/v1.0 itself"
        )
    return None
