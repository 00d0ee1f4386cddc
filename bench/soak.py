"""`python -m bench.soak`: a bounded soak of logins and calls against `presence-mock serve`,
showing that memory and store size stay flat (decision STORE-2).

Starts `presence-mock serve` on a loopback port with a SQLite store (so the store's rows can be
counted from outside), then for `--seconds` logs users in (JWT and authorization code), reads
and writes presence, refreshes and logs out, and every `--tick` seconds moves the emulator's
clock past every lifetime so that what those logins left expires. Every tick it prints one
Markdown row: requests so far, rows in the store, the store file's size and the server's memory
(summed RSS of its processes). Loopback only; nothing else is started.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CALLBACK = "http://127.0.0.1/callback"
VERIFIER = "soak-verifier-of-at-least-forty-three-characters-0123456789"
# Past the longest lifetime a soak login has (600 s) plus the grace the store keeps expired
# records for (3600 s, mockserver/platform/janitor.py).
ADVANCE = 7200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--tick", type=float, default=30)
    parser.add_argument("--port", type=int, default=18480)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="presence-soak-") as scratch:
        db = Path(scratch) / "soak.db"
        with serving(args.port, args.workers, db) as (url, process):
            soak(url, process, db, args.seconds, args.tick)
    return 0


@contextmanager
def serving(port: int, workers: int, db: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    command = [
        str(Path(sys.executable).parent / "presence-mock"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--store",
        f"sqlite://{db}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(url + "/_mock/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=15)


def soak(url: str, process: subprocess.Popen[bytes], db: Path, seconds: float, tick: float) -> None:
    credentials = json.loads(
        subprocess.run(
            [str(Path(sys.executable).parent / "presence-mock"), "credentials", "--json"],
            check=True,
            capture_output=True,
        ).stdout
    )
    basic = (credentials["clientId"], credentials["clientSecret"])
    users = [
        u for u in credentials["users"] if u["accountId"] == credentials["users"][0]["accountId"]
    ]
    session = requests.Session()
    print("| minute | requests | store rows | store file (KiB) | server RSS (MiB) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    started = next_tick = time.monotonic()
    done = turn = 0
    while True:
        now = time.monotonic()
        if now >= next_tick:
            report(now - started, done, db, process.pid)
            if now - started >= seconds:
                return
            session.post(url + "/_mock/clock", json={"advance": ADVANCE}, timeout=5)
            next_tick += tick
        done += one_user(session, url, basic, users[turn % len(users)], turn)
        turn += 1


def one_user(
    session: requests.Session, url: str, basic: tuple[str, str], user: dict, turn: int
) -> int:
    """A login, a few calls, a refresh and a logout: how many requests it made."""
    ttls = {"access_token_ttl": "600", "refresh_token_ttl": "600"}
    if turn % 4 == 0:
        token = code_login(session, url, basic, user, ttls)
    else:
        form = {"grant_type": JWT_GRANT, "assertion": user["jwt"], **ttls}
        token = session.post(url + "/restapi/oauth/token", data=form, auth=basic, timeout=5).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    me = url + "/restapi/v1.0/account/~/extension/~/presence"
    session.get(me, headers=headers, timeout=5)
    session.put(me, json={"message": f"soak {turn % 10}"}, headers=headers, timeout=5)
    session.get(url + "/restapi/v1.0/account/~/presence?perPage=10", headers=headers, timeout=5)
    refreshed = session.post(
        url + "/restapi/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], **ttls},
        auth=basic,
        timeout=5,
    ).json()
    session.post(
        url + "/restapi/oauth/revoke",
        data={"token": refreshed["access_token"]},
        auth=basic,
        timeout=5,
    )
    return 6 + (2 if turn % 4 == 0 else 0)


def code_login(
    session: requests.Session, url: str, basic: tuple[str, str], user: dict, ttls: dict[str, str]
) -> dict:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode()
    query = {
        "response_type": "code",
        "client_id": basic[0],
        "redirect_uri": CALLBACK,
        "login_hint": str(user["extensionId"]),
        "code_challenge": challenge.rstrip("="),
        "code_challenge_method": "S256",
    }
    answer = session.get(
        url + "/restapi/oauth/authorize", params=query, allow_redirects=False, timeout=5
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
        **ttls,
    }
    return session.post(url + "/restapi/oauth/token", data=form, auth=basic, timeout=5).json()


def report(elapsed: float, done: int, db: Path, pid: int) -> None:
    with sqlite3.connect(db, timeout=10) as connection:
        rows = connection.execute("SELECT count(*) FROM records").fetchone()[0]
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) // 1024
    rss = sum(rss_kib(p) for p in [pid, *children(pid)]) / 1024
    print(f"| {elapsed / 60:.1f} | {done} | {rows} | {size} | {rss:.1f} |", flush=True)


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in found.read_text().split()] if found.exists() else []


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
