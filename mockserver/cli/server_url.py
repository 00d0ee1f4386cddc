"""Which server a client command talks to: one `--url`, read the same way by every command.

`call`, `scenario`, `activity`, `listen`, `coverage`, `contract`, `drift`, `credentials`,
`export`, `mcp` and `snapshot` name the server with `--url URL`, accepted anywhere among their
arguments (also after a verb such as `call ring`), else `PRESENCE_MOCK_URL`, else
`RINGCENTRAL_SERVER_URL` (the variable the SDKs read), else the command's default:
http://127.0.0.1:8080 for the commands that need a live server; `contract` and `drift` then run
in process and `credentials` computes the login offline.
`--target`, the older name of the flag, is still read (hidden from `--help`, with a warning).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from mockserver.config import ENV_PREFIX

DEFAULT_URL = "http://127.0.0.1:8080"
URL_VARIABLES = (ENV_PREFIX + "URL", "RINGCENTRAL_SERVER_URL")
DEPRECATED_FLAG = "--target"


class _DeprecatedTarget(argparse.Action):
    """`--target URL`: stored as `--url`, with one line on standard error saying so."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(
            f"{parser.prog}: warning: {DEPRECATED_FLAG} is deprecated here, use --url",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)
        namespace.url_flag = DEPRECATED_FLAG  # what a refusal names


def add_url_option(parser: argparse.ArgumentParser, default: str = DEFAULT_URL) -> None:
    """`--url` (and the hidden `--target`) on `parser`; add it to a command and to each of its
    verbs so that it is accepted before and after the verb. Nothing is stored unless given,
    so a verb's parser never overwrites what its command's parser read."""
    variables = ", else ".join(URL_VARIABLES)
    parser.add_argument(
        "--url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"the server's base URL (default: {variables}, else {default})",
    )
    parser.add_argument(
        DEPRECATED_FLAG,
        dest="url",
        default=argparse.SUPPRESS,
        action=_DeprecatedTarget,
        help=argparse.SUPPRESS,
    )


def given_url(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    words: tuple[str, ...] = (),
    checked: bool = True,
) -> tuple[str, str] | None:
    """(URL, where it came from: the flag or the variable) of the flag or the first variable
    set; None when neither is. `words` are values a command takes besides URLs (contract's
    `inprocess`); `checked=False` leaves judging the value to the caller."""
    flag = getattr(args, "url", None)
    if flag:
        source = getattr(args, "url_flag", "--url")
        return (_checked(flag, source, words) if checked else flag.strip()), source
    for variable in URL_VARIABLES:
        value = environ.get(variable, "").strip()
        if value:
            return (_checked(value, variable, words) if checked else value), variable
    return None


def server_url(
    args: argparse.Namespace, environ: Mapping[str, str], default: str = DEFAULT_URL
) -> str:
    """The server's base URL (no trailing slash): flag, variables, then `default`."""
    found = given_url(args, environ)
    return found[0] if found is not None else default


def _checked(url: str, source: str, words: tuple[str, ...] = ()) -> str:
    """An http(s) URL naming a host, or a ValueError in one line naming where it came from
    (its password, if it has one, not shown)."""
    text = url.strip()
    if text in words:
        return text
    shown = _without_password(text)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (a port that is no number, or out of range, raises here)
    except ValueError:
        raise ValueError(f"{source} {shown}: not a URL; expected e.g. {DEFAULT_URL}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        example = f"http://{text}" if "://" not in text else DEFAULT_URL
        raise ValueError(
            f"{source} {shown}: expected a URL starting with http:// or https:// (e.g. {example})"
        )
    return text.rstrip("/")


def _without_password(url: str) -> str:
    scheme, found, rest = url.partition("://")
    if not found:
        return url
    place, slash, path = rest.partition("/")
    host = place.rpartition("@")[2]
    return f"{scheme}://{'***@' if '@' in place else ''}{host}{slash}{path}"
