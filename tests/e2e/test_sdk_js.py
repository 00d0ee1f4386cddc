"""The JavaScript SDK (`@ringcentral/sdk` + `@ringcentral/subscriptions`,
unchanged, as tests/js/package-lock.json pins them) subscribes, receives an event a PUT caused,
updates and removes its subscription against a live `serve` (tests/js/subscriptions.mjs).
`.ci/run` installs the packages with `npm ci` in tests/js."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.support.live_server import COMMAND, serving
from tests.support.paths import REPO

HERE = REPO / "tests" / "js"


def test_the_js_sdk_subscribes_receives_updates_and_removes(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "Node 20+ is needed for the JavaScript SDK test (.ci/run expects it)"
    assert (HERE / "node_modules" / "@ringcentral" / "subscriptions").is_dir(), (
        "run `npm ci` in tests/js first (.ci/run does)"
    )
    found = json.loads(subprocess.check_output([COMMAND, "credentials", "--json"]))
    with serving(tmp_path, "--workers", "2") as url:
        env = {
            **os.environ,
            "RINGCENTRAL_SERVER_URL": url,
            "RINGCENTRAL_CLIENT_ID": found["clientId"],
            "RINGCENTRAL_CLIENT_SECRET": found["clientSecret"],
            "RINGCENTRAL_JWT": found["jwt"],
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        done = subprocess.run(
            [node, "subscriptions.mjs"],
            cwd=HERE,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [line.split()[0] for line in done.stdout.splitlines()]
    assert steps == ["subscribed", "notified", "updated", "removed", "done"], done.stdout
