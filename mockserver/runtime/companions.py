"""The companion process `serve --scenario FILE|NAME` starts beside the server: `presence-mock
scenario run FILE` (cli/calls.py), which waits for the server to answer, plays the file over the
/_mock/ HTTP API and ends when the server does. (`--activity` has no companion: the gateway
process starts the day and its player plays it: background.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys

from mockserver.config import ENV_PREFIX, ConfigError, Settings
from mockserver.telephony.scenario import ScenarioError, load
from mockserver.telephony.shipped import resolve

STARTUP_SECONDS = 60.0  # how long a companion waits for its server to answer


def companions(settings: Settings) -> list[subprocess.Popen[bytes]]:
    """The processes `settings` ask for beside the server (none, or the scenario's player)."""
    if not settings.scenario:
        return []
    check(settings)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "", "::") else settings.host
    url = f"http://{host}:{settings.port}"
    command = [
        sys.executable,
        "-c",
        "import sys; from mockserver.cli import main; sys.exit(main())",
    ]
    env = dict(os.environ)
    if settings.controls_token:
        env[ENV_PREFIX + "CONTROLS_TOKEN"] = settings.controls_token
        # The token itself, read already: a file named beside it would be refused as a second one.
        env.pop(ENV_PREFIX + "CONTROLS_TOKEN_FILE", None)
    started = []
    wait = ["--wait-for-server", str(STARTUP_SECONDS)]
    if settings.scenario:
        path = resolve(settings.scenario)  # a file, or a shipped scenario by name (checked)
        run = [*command, "scenario", "run", path, "--url", url, "--clock", "wait"]
        started.append(subprocess.Popen([*run, "--keep-going", *wait], env=env))
    return started


def check(settings: Settings) -> None:
    """Refuse what the companions could not play, before anything starts: a scenario file
    that is missing or bad (with the reason), or a scenario without the controls it plays
    through."""
    if not settings.scenario:
        return
    if settings.controls == "off":  # it plays through /_mock/, which would not be there
        raise ConfigError("--scenario needs the /_mock/ controls (not --controls off)")
    try:
        load(resolve(settings.scenario))  # a file, or a shipped scenario by name
    except ScenarioError as error:
        raise ConfigError(f"--scenario: {error}") from None


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
