"""`presence-mock listen` against a real `serve` (decision EVT-14): it prints the events of its
filter as they come, and deletes its subscription when it stops: after --count events, and on
SIGTERM (decision CLI-8)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import requests
from ringcentral import SDK

from tests.support.live_server import COMMAND, serving
from tests.support.login import login_headers

MINE = "/restapi/v1.0/account/~/extension/~/presence"


def test_listen_prints_each_event_then_cleans_up(tmp_path: Path) -> None:
    printed = subprocess.run([COMMAND, "credentials", "--json"], capture_output=True, check=True)
    creds = json.loads(printed.stdout)
    with serving(tmp_path, "--workers", "1") as url:
        listener = subprocess.Popen(
            [COMMAND, "listen", "--url", url, "--filter", MINE, "--count", "2", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        platform = SDK(creds["clientId"], creds["clientSecret"], url).platform()
        platform.login(jwt=creds["jwt"])
        deadline = time.monotonic() + 20
        while not platform.get("/restapi/v1.0/subscription").json_dict()["records"]:
            assert time.monotonic() < deadline and listener.poll() is None
            time.sleep(0.1)
        platform.put(MINE, {"userStatus": "Offline"})
        platform.put(MINE, {"userStatus": "Busy"})
        out, err = listener.communicate(timeout=20)
        assert listener.returncode == 0, err
        lines = [json.loads(line) for line in out.splitlines()]
        assert [e["body"]["userStatus"] for e in lines] == ["Offline", "Busy"]
        assert "listening: subscription" in err
        left = requests.get(
            f"{url}/restapi/v1.0/subscription",
            headers={"Authorization": f"Bearer {platform.auth().data()['access_token']}"},
            timeout=5,
        ).json()
        assert left["records"] == []


def test_sigterm_deletes_the_subscription(tmp_path: Path) -> None:
    """A service manager or `kill` stops listen with SIGTERM: it leaves nothing behind."""
    with serving(tmp_path, "--workers", "1") as url:
        listener = subprocess.Popen(
            [COMMAND, "listen", "--url", url, "--filter", MINE],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        headers = login_headers(url)
        listed = f"{url}/restapi/v1.0/subscription"
        deadline = time.monotonic() + 20
        while not requests.get(listed, headers=headers, timeout=5).json()["records"]:
            assert time.monotonic() < deadline and listener.poll() is None
            time.sleep(0.1)
        listener.send_signal(signal.SIGTERM)
        _, err = listener.communicate(timeout=20)
        assert listener.returncode == 0, err
        assert "Traceback" not in err
        assert requests.get(listed, headers=headers, timeout=5).json()["records"] == []
