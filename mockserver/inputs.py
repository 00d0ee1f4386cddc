"""What a client sends, read safely, in one place: numbers as ASCII digits of a bounded length,
JSON of a bounded depth, request bodies that are JSON or the platform's CMN-103, files of a
bounded size. Anything else is the caller's 4xx (or a one-line error naming the file and the
limit), never a ValueError, OverflowError or RecursionError deep in a view: `²` is a digit to
str.isdigit but not to int(), int() refuses more than 4300 digits, json.loads recurses."""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Iterable
from itertools import accumulate
from pathlib import Path
from typing import Any

from mockserver.errors import JsonParseError

# Deeper JSON is refused before it is parsed: json.loads recurses in C and raises
# RecursionError (not ValueError) somewhere past a thousand levels, and every later walk of the
# value (schemas, the journal) recurses too. Nothing the platform accepts nests more than 3.
MAX_JSON_DEPTH = 32
INT64_DIGITS = 19
# How much of a value an error message quotes: a message is one line, never a whole document.
MAX_QUOTED = 80
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH."""


class TooLarge(ValueError):
    """A file past its size limit; the message names the file and the limit."""


class Unreadable(ValueError):
    """A file that cannot be read (missing, a folder, not allowed); the message names the file
    and why."""


def is_digits(raw: str, most: int = INT64_DIGITS) -> bool:
    """ASCII digits only, at most `most` of them: what int() may be given without surprise
    (str.isdigit also accepts `²` and other digits int() refuses)."""
    return 0 < len(raw) <= most and raw.isascii() and raw.isdigit()


def whole_number(raw: object, most: int = INT64_DIGITS) -> int | None:
    """An ID or count as a client gives it: a non-negative int, or a string of at most `most`
    ASCII digits; None for anything else (the caller's 400 or 404 naming the parameter)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw < 10**most else None
    return int(raw) if isinstance(raw, str) and is_digits(raw, most) else None


def clamped_number(raw: str, low: int, high: int) -> int | None:
    """ASCII digits of any length, clamped to low..high without converting a huge one; None
    for anything that is not digits."""
    if not raw or not (raw.isascii() and raw.isdigit()):
        return None
    digits = raw.lstrip("0") or "0"
    if len(digits) > len(str(high)):
        return high
    return max(low, min(high, int(digits)))


def is_finite_number(value: object) -> bool:
    """A JSON number, not a boolean, not NaN or Infinity. An int may still be huge: compare it
    with its bounds as an int before it meets a float (math.isfinite(10**400) overflows)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def quoted(value: object, most: int = MAX_QUOTED) -> str:
    """repr(value) for an error message, cut to `most` characters and to one line."""
    text = _short_repr(value, most)
    return text if len(text) <= most else text[: most - 3] + "..."


def _short_repr(value: object, most: int) -> str:
    # A scalar's repr is bounded by its own length; a container is described, not walked (an
    # alias bomb expands to a tree of billions of nodes).
    if isinstance(value, str):
        return repr(value[: most + 1])
    if isinstance(value, dict):
        return f"an object of {len(value)} keys"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**most:
        return f"a number of more than {most} digits"
    return repr(value)


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


def json_body(raw: bytes, empty: Any = None) -> Any:
    """A request body as JSON: `empty` for none (only white space), else the parsed value;
    anything that is not JSON, not UTF-8 or nested past MAX_JSON_DEPTH is 400 CMN-103, the
    platform's answer to a body it cannot parse."""
    if not raw.strip():
        return empty
    try:
        return load_json(raw)
    except ValueError:  # JSONDecodeError, TooDeep, UnicodeDecodeError, int() past 4300 digits
        raise JsonParseError() from None


def json_object_body(raw: bytes, empty: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request body that must be a JSON object: `empty` for none when given, else the object;
    no body (without `empty`) or any other JSON value is 400 CMN-103 as well."""
    body = json_body(raw, empty)
    if not isinstance(body, dict):
        raise JsonParseError()
    return body


def read_capped(path: str | os.PathLike[str], most: int, what: str) -> bytes:
    """A file's bytes, refused with TooLarge (naming the file and the limit) past `most` bytes,
    before they are read: a parser's time and memory grow with the file. OSError as usual."""
    source = Path(path)
    with source.open("rb") as handle:
        data = handle.read(most + 1)
    if len(data) > most:
        raise TooLarge(f"{source}: {what} files are limited to {_size(most)}; this one is larger")
    return data


def read_file(path: str | os.PathLike[str], most: int, what: str) -> bytes:
    """`read_capped`, with an OSError as Unreadable: `<path>: cannot read: <why>`."""
    try:
        return read_capped(path, most, what)
    except OSError as error:
        raise Unreadable(f"{os.fspath(path)}: cannot read: {error.strerror or error}") from error


def _size(count: int) -> str:
    if count % (1 << 20) == 0:
        return f"{count >> 20} MiB"
    if count % (1 << 10) == 0:
        return f"{count >> 10} KiB"
    return f"{count} bytes"


def _depth(text: str) -> int:
    """The deepest nesting of [ and { in `text`, ignoring those inside strings: strings and
    everything but brackets are cut by two regular expressions (C speed, 0.1 s for 8 MB), the
    brackets left are summed."""
    if "[" not in text and "{" not in text:
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def did_you_mean(given: str, choices: Iterable[str]) -> str:
    """` (did you mean X?)` naming the choice closest to a mistyped `given`, or "" when none is
    close (difflib's ratio of at least 0.6): for flags, commands and operation names."""
    close = difflib.get_close_matches(given, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
