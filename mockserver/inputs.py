"""What a client sends, read safely: numbers as ASCII digits of a bounded length, JSON of a
bounded depth. Anything else is the caller's 400, never a ValueError or RecursionError deep in a
view (issue 10: `²` and numbers of thousands of digits were 500s)."""

from __future__ import annotations

import json
from typing import Any

# Deeper JSON is refused before it is parsed: json.loads recurses in C and raises
# RecursionError (not ValueError) somewhere past a thousand levels, and every later walk of the
# value (schemas, the journal) recurses too. Nothing the platform accepts nests more than 3.
MAX_JSON_DEPTH = 32
INT64_DIGITS = 19


class TooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def is_digits(raw: str, most: int = INT64_DIGITS) -> bool:
    """ASCII digits only, at most `most` of them: what int() may be given without surprise
    (str.isdigit also accepts `²` and other digits int() refuses)."""
    return 0 < len(raw) <= most and raw.isascii() and raw.isdigit()


def load_json(raw: bytes | str) -> Any:
    """json.loads, but ValueError for JSON nested deeper than MAX_JSON_DEPTH (checked first, in
    one pass over the brackets outside strings) and for integers int() would refuse."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    if _depth(text) > MAX_JSON_DEPTH:
        raise TooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except RecursionError:  # unreachable after the depth check; kept as a guard
        raise TooDeep("JSON nested too deep") from None


def _depth(text: str) -> int:
    """The deepest nesting of [ and { in `text`, ignoring those inside strings."""
    if "[" not in text and "{" not in text:
        return 0
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
