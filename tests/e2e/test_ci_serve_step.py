"""The "Start presence-mock" step of docs/ci.md, run as written (bash, with the runner's
RUNNER_TEMP and GITHUB_ENV): the next steps get a server that answers and a login it accepts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.ci_docs import step_named, workflows


def test_the_start_step_hands_the_next_steps_a_server_and_its_login(tmp_path: Path) -> None:
    serve_in_a_step = workflows()[0]
    script = step_named(serve_in_a_step, "Start presence-mock")["run"]
    github_env = tmp_path / "github_env"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PRESENCE_MOCK_", "RINGCENTRAL_"))
        },
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_ENV": str(github_env),
        # `presence-mock` and `python` of this installation, as `pip install` gives them.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(["bash", "-e", "-c", script], env=env, timeout=120, capture_output=True)
    ready = tmp_path / "presence-mock.json"
    pid = json.loads(ready.read_text())["pid"] if ready.exists() else None
    try:
        assert done.returncode == 0, done.stderr.decode()
        given = dict(
            line.split("=", 1) for line in github_env.read_text().splitlines() if line.strip()
        )
        url = given["RINGCENTRAL_SERVER_URL"]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":8080")
        token = requests.post(
            f"{url}/restapi/oauth/token",
            auth=(given["RINGCENTRAL_CLIENT_ID"], given["RINGCENTRAL_CLIENT_SECRET"]),
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": given["RINGCENTRAL_JWT"],
            },
            timeout=10,
        )
        assert token.status_code == 200, token.text
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            while ready.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
    assert pid is not None and not ready.exists()  # stopped, and said so by the file
