"""`presence-mock export --har FILE`: a running server's session as an HTTP Archive, to open in a
browser's devtools, Postman or Mockoon (GET /_mock/requests.har, docs/session-export.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from mockserver.cli.server_url import add_url_option, server_url


def add_export(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="write a running server's session (requests and WebHooks) as HAR 1.2"
    )
    export.add_argument("--har", required=True, metavar="FILE", help="the HAR file to write")
    add_url_option(export)
    export.add_argument(
        "--controls-token",
        help="the bearer secret of a locked /_mock/ (visible in ps: prefer the file or "
        "PRESENCE_MOCK_CONTROLS_TOKEN)",
    )
    export.add_argument(
        "--controls-token-file", metavar="PATH", help="read --controls-token from PATH's first line"
    )
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    from mockserver.cli.recording_commands import _controls_token

    url = server_url(args, os.environ)
    request = urllib.request.Request(f"{url}/_mock/requests.har")
    token = _controls_token(args)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            document = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        print(f"presence-mock: {url}: the server answered {error.code}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as error:
        print(f"presence-mock: {url}: {getattr(error, 'reason', error)}", file=sys.stderr)
        return 1
    except ValueError:
        print(f"presence-mock: {url}: the answer is not JSON", file=sys.stderr)
        return 1
    target = Path(args.har)
    try:
        target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as error:
        print(f"presence-mock: {target}: {error.strerror}", file=sys.stderr)
        return 2
    count = len(document.get("log", {}).get("entries", []))
    print(f"{target}: {count} entries")
    return 0
