"""A page of another site cannot change the emulator's state, nor read its controls or its event
stream (mockserver/access.py), in a real browser; and the board keeps working from its own
origin under `--controls token` (its event stream opened with the ticket the setup hands out).

The other site is a second loopback server on another port, whose page is opened as
http://localhost:<port>/ while the emulator is http://127.0.0.1:<port>: another site, as a
browser sees it. Its page sends what a hostile page can send without CORS: `text/plain` and
urlencoded form POSTs, `fetch` in no-cors mode (a text body, a typeless Blob, an empty body),
and tries to read the controls and the stream.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.support.calls_helpers import account, quiet_users
from tests.support.live_server import serving

ACCOUNT = account()
USER, OTHER = (user.id for user in quiet_users(ACCOUNT)[:2])
OTHER_NUMBER = next(e.number for e in ACCOUNT.extensions if e.id == OTHER)
SECRET = "browser-controls-secret"

PAGE = """<!doctype html>
<html><head><title>elsewhere</title></head><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe><iframe name="sink3"></iframe>
<form id="clock" method="POST" action="{target}/_mock/clock" enctype="text/plain"
  target="sink1"><input name='{{"advance": 3600, "x": "' value='"}}'></form>
<form id="reset" method="POST" action="{target}/_mock/reset" target="sink2"></form>
<form id="dnd" method="POST" action="{target}/_mock/presence/{user}" enctype="text/plain"
  target="sink3"><input name='{{"dndStatus": "DoNotAcceptAnyCalls", "x": "' value='"}}'></form>
<script>
const target = "{target}";
const results = {{}};
async function blind(name, path, init) {{
  try {{
    await fetch(target + path, {{ mode: "no-cors", method: "POST", ...init }});
    results[name] = "sent";
  }} catch (error) {{
    results[name] = "failed";
  }}
}}
async function read(name, url) {{
  try {{
    const answer = await fetch(url);
    results[name] = "read " + answer.status;
  }} catch (error) {{
    results[name] = "blocked";
  }}
}}
async function attack() {{
  for (const id of ["clock", "reset", "dnd"]) document.getElementById(id).submit();
  const text = {{ headers: {{ "Content-Type": "text/plain" }} }};
  await blind("clock", "/_mock/clock", {{ ...text, body: '{{"advance": 3600}}' }});
  await blind("clock-blob", "/_mock/clock", {{ body: new Blob(['{{"advance": 3600}}']) }});
  await blind("reset", "/_mock/reset", {{}});
  await blind("presence", "/_mock/presence/{user}",
    {{ ...text, body: '{{"dndStatus": "DoNotAcceptAnyCalls"}}' }});
  await blind("activity", "/_mock/activity", {{ ...text, body: '{{"name": "office-day"}}' }});
  await blind("switch", "/_mock/board/switch", {{ ...text, body: '{{"enabled": false}}' }});
  await blind("board", "/_mock/board/extensions/{other}/presence",
    {{ ...text, body: '{{"userStatus": "Offline"}}' }});
  await blind("call", "/_mock/calls",
    {{ headers: {{ "Content-Type": "application/x-www-form-urlencoded" }},
       body: '{{"from": "+16505550100", "to": "{other_number}"}}' }});
  await read("clock-read", target + "/_mock/clock");
  await read("stream", "{stream}");
  await read("health", "{health}");
  window.results = results;
  document.title = "done";
}}
attack();
</script></body></html>
"""


@contextmanager
def elsewhere(page: str) -> Iterator[int]:
    """Another site: a loopback server answering `page` at every path."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _state(server: str) -> dict[str, Any]:
    """What the attack would change, read as a command-line client reads it (no Origin)."""

    def get(path: str) -> Any:
        answer = requests.get(f"{server}{path}", timeout=10)
        answer.raise_for_status()
        return answer.json()

    switch = get("/_mock/board/switch")
    rows = {}
    if switch["enabled"]:  # an attack that switched the board off shows as that
        rows = {ext: get(f"/_mock/board/extensions/{ext}")["presence"] for ext in (USER, OTHER)}
    return {
        "clock": get("/_mock/clock")["offset"],
        "switch": switch,
        "activity": get("/_mock/activity"),
        "calls": get("/_mock/calls"),
        "rows": {k: (r["userStatus"], r["dndStatus"], r["message"]) for k, r in rows.items()},
    }


def test_a_page_of_another_site_changes_nothing_and_reads_nothing(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with serving(tmp_path_factory.mktemp("cross-site"), "--workers", "1") as server:
        requests.post(f"{server}/_mock/reset", timeout=10).raise_for_status()
        # A state a reset would undo, set the way the CLI sets it (JSON, no Origin).
        marked = requests.post(
            f"{server}/_mock/board/extensions/{USER}/presence",
            json={"message": "set before the attack"},
            timeout=10,
        )
        assert marked.status_code == 200, marked.text
        before = _state(server)
        links = requests.get(f"{server}/_mock/gateway", timeout=10).json()
        html = PAGE.format(
            target=server,
            user=USER,
            other=OTHER,
            other_number=OTHER_NUMBER,
            stream=links["stream"],
            health=links["health"],
        )
        with elsewhere(html) as port:
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"http://localhost:{port}/")
            page.wait_for_function("document.title === 'done'", timeout=20_000)
            results = page.evaluate("window.results")
            # The forms' posts have gone out and been answered in their frames.
            page.wait_for_timeout(500)
            context.close()
        # no-cors requests are sent (their answers are opaque): the server refused them.
        assert {k: v for k, v in results.items() if k in ("clock", "reset", "switch")} == {
            "clock": "sent",
            "reset": "sent",
            "switch": "sent",
        }
        assert results["clock-read"] == "blocked"  # no CORS allowance for another site
        assert results["stream"] == "blocked"
        assert results["health"] == "blocked"
        assert _state(server) == before, json.dumps(results)


def test_the_board_under_token_follows_the_stream_with_its_ticket(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    options = ("--workers", "1", "--controls", "token", "--controls-token", SECRET)
    with serving(tmp_path_factory.mktemp("board-token"), *options) as server:
        bearer = {"Authorization": f"Bearer {SECRET}"}
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server}/_mock/board#token={SECRET}")
        page.wait_for_selector("#cards .card")
        page.wait_for_selector('#live[data-state="live"]', timeout=5000)
        # A change made elsewhere arrives through the stream the ticket opened.
        answer = requests.post(
            f"{server}/_mock/board/extensions/{USER}/presence",
            json={"userStatus": "Busy"},
            headers=bearer,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        page.wait_for_selector(f'.card[data-id="{USER}"][data-presence="Busy"]', timeout=5000)
        # The page's own writes (same origin, JSON, the bearer) are served.
        page.evaluate(
            """async ([id, secret]) => {
                const answer = await fetch(`/_mock/board/extensions/${id}/presence`, {
                  method: "POST",
                  headers: {"Content-Type": "application/json", Authorization: `Bearer ${secret}`},
                  body: JSON.stringify({userStatus: "Available"}),
                });
                if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
            }""",
            [USER, SECRET],
        )
        page.wait_for_selector(f'.card[data-id="{USER}"][data-presence="Available"]', timeout=5000)
        context.close()
        assert errors == []
