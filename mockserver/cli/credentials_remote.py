"""`presence-mock credentials --url URL`: the login a running server accepts, asked of it
(GET /_mock/credentials), so no --seed, --fixture or secret has to be repeated here. The server
answers a client on its own machine, or the holder of its controls token (docs/security.md)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from mockserver.config import ConfigError

PATH = "/_mock/credentials"


def fetch(url: str, token: str | None, with_users: bool) -> dict[str, Any]:
    """The server's answer; a ConfigError in one line when it gives none."""
    query = "?users=true" if with_users else ""
    request = urllib.request.Request(f"{url}{PATH}{query}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            found = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raise ConfigError(f"credentials --url {url}: {error.code} {_said(error)}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ConfigError(f"credentials --url {url}: no answer ({reason})") from None
    except ValueError:
        raise ConfigError(f"credentials --url {url}: the answer is not JSON") from None
    if not isinstance(found, dict) or "jwt" not in found:
        raise ConfigError(f"credentials --url {url}: not a presence-mock server's answer")
    return found


def _said(error: urllib.error.HTTPError) -> str:
    try:
        found = json.loads(error.read())
        return f"{found['errorCode']}: {found['message']}"
    except (ValueError, KeyError, TypeError):
        return str(error.reason)
