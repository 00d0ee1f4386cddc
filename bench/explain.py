"""`python -m bench.explain`: what explained deliveries cost (docs/explain.md, "Measured").

Weighing: 200 logged changes against 25 subscriptions of an account filter (5,200 journal
entries, the journal keeps 5,000), as the WebHook deliverer's step does; reading: one
`/_mock/events/explain` answer for an extension over that full journal. On a memory store and a
SQLite file. Prints one line a store. Not part of the test suite.
"""

from __future__ import annotations

import statistics
import tempfile
import time

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.events.explain import Explainer, weighed_entries
from mockserver.events.subscriptions import WEBSOCKET
from mockserver.platform.tokens import Caller

CHANGES, SUBSCRIPTIONS, READS = 200, 25, 5


def measure(url: str) -> str:
    emulator = Emulator.from_settings(Settings(store=url))
    account = emulator.directory.accounts[0]
    app = emulator.directory.apps[0]
    admin = account.administrator
    caller = Caller(account.id, admin.id, app.client_id, True, app.permissions, 0)
    body = {
        "eventFilters": ["/restapi/v1.0/account/~/presence"],
        "deliveryMode": {"transportType": WEBSOCKET},
    }
    for number in range(SUBSCRIPTIONS):
        emulator.events.subscriptions.create(
            caller, body, transport=WEBSOCKET, session_id=f"s{number}"
        )
    users = [e for e in account.extensions if e.type.is_user][:20]
    for number in range(CHANGES):
        ext = users[number % len(users)]
        state = {"extensionId": str(ext.id), "userStatus": f"S{number}"}
        emulator.events.log.append(ext.id, account.id, state, {}, time.time())
    subscriptions = emulator.events.subscriptions.all()
    started = time.perf_counter()
    changes = emulator.events.log.after(0, 1000)
    emulator.events.explained.record(weighed_entries(changes, subscriptions, emulator))
    weighing = (time.perf_counter() - started) * 1000
    reads = []
    for _ in range(READS):
        started = time.perf_counter()
        Explainer(emulator.events, emulator.directory).explain(users[0].id)
        reads.append((time.perf_counter() - started) * 1000)
    kept = len(emulator.events.explained.entries())
    return (
        f"{url.split(':')[0]}: weighing {CHANGES} changes x {SUBSCRIPTIONS} subscriptions "
        f"{weighing:.0f} ms (written included); one read over {kept} entries, median of "
        f"{READS}: {statistics.median(reads):.0f} ms"
    )


def main() -> None:
    print(measure("memory://"))
    with tempfile.TemporaryDirectory() as folder:
        print(measure(f"sqlite:///{folder}/explain.db"))


if __name__ == "__main__":
    main()
