"""Measure the presence board with a large account (docs/board.md).

    python tools/measure_board.py [--extensions 100000] [--seconds 10] [--rate 100]

Starts `presence-mock serve --extensions N --rate-limits off` on a free loopback port, opens the
board in Debian's headless chromium (Playwright) and prints, as JSON:
  * the page's first paint and first contentful paint, and the time until the first page of
    cards is on screen (the `board:rows` mark), from navigation start;
  * the server's time to answer the setup and the first page of rows;
  * `rate` presence PUTs a second for `seconds`, made by another client on users of the page
    shown, and how the page kept up through whatever it follows (the gateway's stream, else the
    event log): events received and applied, the animation frames that applied them, the
    longest apply, the delay from each PUT to its card showing it, long tasks over 50 ms;
  * the same rate of events handed straight to the page's event handler
    (`presenceBoard.apply`), which measures the page's own cost alone.
Nothing here is asserted: figures vary with the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.chromium import ARGS, CHROMIUM
from tests.support.live_server import COMMAND, free_port, running
from tests.support.login import login_session

STATUSES = ("Available", "Busy")


def measure(extensions: int, seconds: float, rate: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--workers", "2"]
    command += ["--extensions", str(extensions), "--rate-limits", "off", "--log-level", "warning"]
    quiet = {"PRESENCE_MOCK_VALIDATE_RESPONSES": "0"}  # measured as a user runs it
    with (
        tempfile.TemporaryDirectory() as logs,
        running(command, port, Path(logs), env=quiet) as url,
    ):
        started = time.perf_counter()
        requests.get(f"{url}/_mock/board/setup", timeout=30).raise_for_status()
        setup_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        requests.get(f"{url}/_mock/board/extensions", timeout=30).raise_for_status()
        rows_ms = (time.perf_counter() - started) * 1000
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
            page.add_init_script(LONG_TASKS)
            page.goto(f"{url}/_mock/board")
            page.wait_for_selector("#cards .card")
            page.wait_for_function("performance.getEntriesByName('board:rows').length > 0")
            paint = page.evaluate(PAINT)
            page.wait_for_function(
                "['live', 'polling'].includes(document.getElementById('live').dataset.state)",
                timeout=10_000,
            )
            path = page.evaluate("document.getElementById('live').textContent")
            ids = page.evaluate(
                "[...presenceBoard.state.rows.values()]"
                ".filter(r => r.type === 'User' && r.presence.telephonyStatus === 'NoCall'"
                " && r.presence.meetingStatus !== 'Connected').map(r => r.id)"
            )
            real = _real_events(page, url, ids, seconds, rate)
            handed = _handed_events(page, ids, seconds, rate)
            browser.close()
        return {
            "extensions": extensions,
            "cards": len(ids),
            "server": {"setupMs": round(setup_ms, 1), "firstRowsMs": round(rows_ms, 1)},
            "page": paint,
            "events": {
                "path": path,
                "rate": rate,
                "seconds": seconds,
                "puts": real,
                "handed": handed,
            },
        }


LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""

PAINT = """
(() => {
  const byName = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
  const round = (value) => (value === null ? null : Math.round(value));
  return {
    firstPaintMs: round(byName("first-paint")),
    firstContentfulPaintMs: round(byName("first-contentful-paint")),
    firstCardsMs: round(byName("board:rows")),
    domNodes: document.getElementsByTagName("*").length,
  };
})()
"""

RESET_STATS = """
(() => {
  const s = presenceBoard.stats;
  Object.assign(s, { applied: 0, received: 0, frames: 0, maxApplyMs: 0 });
  window.__longTasks = [];
})()
"""

READ_STATS = """
(() => ({ ...presenceBoard.stats, longTasks: window.__longTasks.length,
          longestTaskMs: Math.round(Math.max(0, ...window.__longTasks)) }))()
"""


def _real_events(page: Any, url: str, ids: list[int], seconds: float, rate: int) -> dict[str, Any]:
    """`rate` PUTs a second from another client, each flipping a user between Available and
    Busy; each PUT's delay until its card showed that presence."""
    page.evaluate(RESET_STATS)
    page.evaluate(WATCH)
    client = login_session(url)
    sent: list[tuple[float, int, str]] = []
    total = int(seconds * rate)
    start = time.perf_counter()
    errors = 0
    for n in range(total):
        ext = ids[n % len(ids)]
        status = STATUSES[(n // len(ids)) % 2]
        due = start + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        sent.append((time.time() * 1000, ext, status))
        body = {"userStatus": status, "message": f"m{n}"}
        answer = client.put(f"{url}/restapi/v1.0/account/~/extension/{ext}/presence", json=body)
        errors += answer.status_code != 200
    achieved = total / (time.perf_counter() - start)
    time.sleep(2)
    seen: list[list[Any]] = page.evaluate("window.__seen")
    delays = []
    for at, ext, status in sent:
        shown = [t for t, i, p in seen if int(i) == ext and p == status and t >= at - 5]
        if shown:
            delays.append(min(shown) - at)
    stats = page.evaluate(READ_STATS)
    return {
        "puts": total,
        "putErrors": errors,
        "achievedRate": round(achieved, 1),
        **stats,
        "delayMs": _summary(delays),
    }


# Every change of a card's presence, as [time, extension ID, presence] (a MutationObserver).
WATCH = """
(() => {
  window.__seen = [];
  new MutationObserver((records) => {
    const now = Date.now();
    for (const record of records) {
      const card = record.target;
      window.__seen.push([now, card.dataset.id, card.dataset.presence]);
    }
  }).observe(document.getElementById("cards"), {
    subtree: true, attributes: true, attributeFilter: ["data-presence"],
  });
})()
"""


def _handed_events(page: Any, ids: list[int], seconds: float, rate: int) -> dict[str, Any]:
    """No stream: events handed to the page's own handler at `rate` a second."""
    page.evaluate(RESET_STATS)
    page.evaluate(
        """([ids, seconds, rate]) => new Promise((done) => {
          let n = 0;
          const total = seconds * rate;
          const timer = setInterval(() => {
            for (let k = 0; k < rate / 10 && n < total; k += 1, n += 1) {
              const id = ids[n % ids.length];
              const row = presenceBoard.state.rows.get(id);
              const body = { ...row.presence, extensionId: String(id),
                             presenceStatus: n % 2 ? "Busy" : "Available", sequence: n };
              presenceBoard.apply({ extensionId: String(id), sequence: n,
                                    time: Date.now() / 1000, body });
            }
            if (n >= total) { clearInterval(timer); setTimeout(done, 500); }
          }, 100);
        })""",
        [ids, seconds, rate],
    )
    return page.evaluate(READ_STATS)


def _summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "median": round(statistics.median(ordered)),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1]),
        "max": round(ordered[-1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=int, default=100)
    args = parser.parse_args()
    version = subprocess.run(
        [CHROMIUM, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    found = measure(args.extensions, args.seconds, args.rate)
    found["browser"] = version
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
