"""The GitHub Actions examples of docs/ci.md parse, name only real options with values `serve`
accepts, run only `presence-mock` commands that parse, and give the service and the job the same
account (the "Start presence-mock" step itself is run in tests/e2e/test_ci_serve_step.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mockserver.cli import calls, recording_commands
from mockserver.cli.contract import CONTRACT_VARIABLES
from mockserver.cli.main import _parser
from mockserver.config import ENV_PREFIX, Settings, variable_names
from tests.support.ci_docs import presence_mock_commands, steps, workflows

KNOWN = {
    *variable_names(),
    *CONTRACT_VARIABLES,
    *calls.CALL_VARIABLES,
    *recording_commands.RECORD_VARIABLES,
}
NAME = re.compile(r"\bPRESENCE_MOCK_[A-Z_]+\b")
ACCOUNT = ("PRESENCE_MOCK_SEED", "PRESENCE_MOCK_EXTENSIONS", "PRESENCE_MOCK_FIXTURE")


def _all() -> list[dict[str, Any]]:
    found = workflows()
    assert len(found) == 2, "docs/ci.md shows two workflows"
    return found


@pytest.mark.parametrize("workflow", _all(), ids=["serve-in-a-step", "service-container"])
def test_the_workflow_is_shaped_as_github_reads_it(workflow: dict[str, Any]) -> None:
    assert workflow["name"]
    assert workflow[True] == ["push", "pull_request"]  # `on:` (YAML 1.1 reads it as true)
    for job in workflow["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest"
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step), step
            assert set(step) <= {"name", "run", "uses", "with", "env", "id", "if"}, step


@pytest.mark.parametrize("workflow", _all(), ids=["serve-in-a-step", "service-container"])
def test_every_presence_mock_variable_is_a_real_option(workflow: dict[str, Any]) -> None:
    names = set(NAME.findall(json.dumps(workflow)))
    assert names <= KNOWN, sorted(names - KNOWN)


@pytest.mark.parametrize("workflow", _all(), ids=["serve-in-a-step", "service-container"])
def test_every_presence_mock_command_parses(workflow: dict[str, Any]) -> None:
    commands = [c for step in steps(workflow) for c in presence_mock_commands(step.get("run", ""))]
    assert commands
    for args in commands:
        _parser().parse_args(args)  # exits 2 (SystemExit) on a flag that does not exist


def test_the_service_is_configured_by_environment_only_with_values_serve_accepts() -> None:
    _, service_workflow = _all()
    (job,) = service_workflow["jobs"].values()
    (service,) = job["services"].values()
    # A service container starts before the checkout and takes no command line.
    assert set(service) <= {"image", "ports", "env", "options", "credentials", "volumes"}
    assert "volumes" not in service
    env = {k: str(v) for k, v in service["env"].items()}
    assert all(k.startswith(ENV_PREFIX) for k in env)
    settings = Settings.from_env(env)  # a value serve refuses raises here
    # Both ports published under their own numbers: wstoken's uri names the gateway's.
    assert service["ports"] == [f"{settings.port}:{settings.port}", "8081:8081"]
    # `presence-mock credentials` in the job computes the login of the service's account.
    assert {k: str(job["env"].get(k)) for k in ACCOUNT if k in env} == {
        k: env[k] for k in ACCOUNT if k in env
    }
    assert job["env"]["RINGCENTRAL_SERVER_URL"] == f"http://localhost:{settings.port}"
