"""Scenarios through the command line: `scenario check`, `scenario run` against a frozen
`serve`, and `serve --scenario` playing a file or refusing a bad one at start."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from mockserver.telephony.scenario import schema
from tests.support.live_server import COMMAND, serving
from tests.support.login import login_session
from tests.support.paths import REPO

FIXTURES = REPO / "fixtures"
EXAMPLES = sorted(FIXTURES.glob("scenario-*"))


def _presence(url: str, number: str, session: requests.Session) -> dict[str, Any]:
    found = session.get(
        f"{url}/restapi/v1.0/account/~/extension",
        params={"extensionNumber": number},
        timeout=10,
    ).json()["records"][0]
    return session.get(
        f"{url}/restapi/v1.0/account/~/extension/{found['id']}/presence", timeout=10
    ).json()


def test_the_cli_checks_a_file_and_prints_the_schema(tmp_path: Path) -> None:
    checked = subprocess.run(
        [COMMAND, "scenario", "check", str(EXAMPLES[0])], capture_output=True, text=True
    )
    assert checked.returncode == 0 and "valid" in checked.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [{at: 1s, hold: {by: 1.5}}]")
    refused = subprocess.run(
        [COMMAND, "scenario", "check", str(bad)], capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "steps[0].hold.by" in refused.stderr
    printed = subprocess.run([COMMAND, "scenario", "schema"], capture_output=True, text=True)
    assert json.loads(printed.stdout) == schema()


def test_scenario_run_steps_a_frozen_server_through_its_timeline(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as url:
        requests.post(f"{url}/_mock/clock", json={"freeze": True}, timeout=10).raise_for_status()
        before = requests.get(f"{url}/_mock/clock", timeout=10).json()["now"]
        ran = subprocess.run(
            [COMMAND, "scenario", "run", str(FIXTURES / "scenario-park-and-pickup.yaml")],
            capture_output=True,
            text=True,
            env={"PRESENCE_MOCK_URL": url, "PATH": ""},
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.splitlines()[-1] == "+120.0s end: ok"
        assert requests.get(f"{url}/_mock/clock", timeout=10).json()["now"] == before + 120
        session = login_session(url)
        assert _presence(url, "150", session)["telephonyStatus"] == "NoCall"


def test_serve_plays_a_scenario_it_is_given(tmp_path: Path) -> None:
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(
        "steps:\n  - {at: 0s, ring: {from: '+16505550100', to: '109'}}\n  - {at: 1s, answer: {}}\n"
    )
    with serving(tmp_path, "--workers", "2", "--scenario", str(scenario)) as url:
        session = login_session(url)
        for _ in range(100):
            if _presence(url, "109", session)["telephonyStatus"] == "CallConnected":
                break
            time.sleep(0.1)
        assert _presence(url, "109", session)["telephonyStatus"] == "CallConnected"


def test_serve_refuses_a_bad_scenario_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: 3")
    refused = subprocess.run(
        [COMMAND, "serve", "--port", "0", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "--scenario: " in refused.stderr and "steps: 3 is not of type 'array'" in refused.stderr


def test_serve_refuses_a_background_without_the_controls(tmp_path: Path) -> None:
    scenario = "fixtures/scenario-inbound-call.yaml"
    command = [COMMAND, "serve", "--port", "0", "--controls", "off", "--scenario", scenario]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "needs the /_mock/ controls" in refused.stderr
