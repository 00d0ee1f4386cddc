"""What the request rules and the journal see of a request: a plain value, with no framework.

The web layer builds one from Flask's request; the rules can also judge a request nobody served
(a test of the rules, or a client's request described by hand).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs


@dataclass(frozen=True, slots=True)
class DescribedRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    body: bytes = b""

    @classmethod
    def build(
        cls, method: str, path: str, query_string: str = "", body: bytes = b""
    ) -> DescribedRequest:
        return cls(method.upper(), path, parse_qs(query_string, keep_blank_values=True), body)
