"""The neutral request and response every transport adapts to (WSGI, `responses`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # keys in lower case
    body: bytes
    base_url: str  # scheme://host[:port], no trailing slash

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        query_string: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        base_url: str = "http://127.0.0.1:8080",
    ) -> Request:
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(query_string, keep_blank_values=True),
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=body,
            base_url=base_url.rstrip("/"),
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def form(self) -> dict[str, str]:
        """An x-www-form-urlencoded body, first value of each field."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}


@dataclass(slots=True)
class Reply:
    """What a handler returns: a JSON body (checked against `schema`) or multipart parts."""

    status: int
    body: Any = None
    schema: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    parts: list[tuple[Any, str]] | None = None  # (body, schema) per part, for 207


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
