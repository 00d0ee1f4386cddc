"""The token endpoints' form body, read once per request."""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Request


def form_fields(request: Request) -> dict[str, str]:
    """The x-www-form-urlencoded body, first value of each field, whatever Content-Type says
    (the platform reads the body of a token request as a form)."""
    parsed = parse_qs(request.get_data().decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}
