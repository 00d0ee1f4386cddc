"""Every code block of the README and the docs does what it says, with nothing but the docs' own
words (decisions DOCS-1, DOCS-2):

- each block names its language: sh, bash or python (run), json or yaml (parsed), text (what a
  command prints);
- JSON, YAML, TOML and INI blocks parse, and a scenario, a fixture or a presence notification
  passes its JSON Schema;
- each page's sh and python blocks run in order in one bash session against a live `serve` on a
  free loopback port (`PRESENCE_MOCK_URL` names it; the documented default address
  127.0.0.1:8080 is written as the session's until every command reads that variable). A block's
  `presence-mock serve ...` starts that session's server again with the block's options, on the
  same loopback port, beside the session. A python block runs as a file, under pytest when it
  defines test functions.

A block that cannot run here is named below with its reason (NOT_RUN); pages whose blocks
another test runs are named in RUN_ELSEWHERE. Both lists are checked: an entry that names no
block fails, so they cannot go stale.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from mockserver import schemas
from mockserver.directory.fixtures import fixture_schema
from mockserver.telephony import scenario
from tests.support.doc_blocks import LANGUAGES, PARSED, Block, every_block, script
from tests.support.live_server import free_port
from tests.support.paths import REPO

# (page, how the block's first line starts) -> why it cannot run here. Keep it short and honest.
NOT_RUN: dict[tuple[str, str], str] = {
    ("docs/scaling.md", "docker build"): "needs Docker and an image build",
    ("docs/benchmark.md", "pip install"): "installs wrk with apt-get, then a load test",
    ("docs/benchmark.md", "python -m bench.events"): "a benchmark of minutes",
    ("docs/benchmark.md", "sudo apt-get"): "installs valgrind, then minutes of callgrind",
    ("docs/benchmark-soak.md", "python -m bench.soak"): "a ten-minute soak",
    ("docs/board.md", "PRESENCE_TESTS_SCREENSHOT"): "rewrites docs/board.png (a test in the suite)",
    ("docs/kit.md", "pytest --pyargs"): "a synopsis: ID, SECRET and JWT stand for your app's",
    (
        "docs/kit.md",
        "# 3. The real sandbox",
    ): "judges the real sandbox, with your app's credentials",
    ("docs/flask.md", "flask --app"): "serves in the foreground until stopped (test_flask_run.py)",
    ("docs/recording.md", "presence-mock record"): "records the real sandbox",
    ("docs/recording.md", "presence-mock replay"): "replays what the recording above wrote",
    ("docs/recording.md", "presence-mock drift"): "compares with what the recording above wrote",
}
# Pages whose sh and python blocks another test runs (with assertions of its own).
RUN_ELSEWHERE = {
    "README.md": "tests/e2e/test_readme.py",
    "docs/auth.md": "tests/e2e/test_readme.py",
}
# Hosts a block that runs may name: this machine, and in a python block the platform's hosts that
# the in-process mode answers inside `requests` and names under the reserved `.test` domain a
# block stubs with `responses` (nothing leaves the machine: the loopback guard checks).
LOOPBACK = re.compile(r"https?://(127\.0\.0\.1|localhost|\[::1\])[:/]")
IN_PROCESS = re.compile(r"https://(platform(\.devtest)?\.ringcentral\.com|[\w.-]+\.test)([:/]|$)")

BLOCKS = every_block()


def _not_run(block: Block) -> str | None:
    for (page, start), reason in NOT_RUN.items():
        if block.page == page and block.first_line.startswith(start):
            return reason
    return None


def _runs(block: Block) -> bool:
    return block.language not in (*PARSED, "text") and _not_run(block) is None


def test_every_block_names_its_language() -> None:
    unnamed = [f"{b.name}: {b.language or '(none)'}" for b in BLOCKS if b.language not in LANGUAGES]
    assert not unnamed, f"blocks whose language is not one of {LANGUAGES}: {unnamed}"


def test_every_exception_names_a_block_that_exists() -> None:
    stale = [
        (page, start)
        for page, start in NOT_RUN
        if not any(b.page == page and b.first_line.startswith(start) for b in BLOCKS)
    ]
    assert not stale, f"NOT_RUN names blocks that are gone: {stale}"
    assert all(
        (REPO / page).is_file() and (REPO / test).is_file() for page, test in RUN_ELSEWHERE.items()
    )


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language in PARSED], ids=lambda b: b.name)
def test_a_json_or_yaml_block_parses(block: Block) -> None:
    if block.language == "ini":
        configparser.ConfigParser().read_string(block.code)
        return
    if block.language == "toml":
        tomllib.loads(block.code)
        return
    document = json.loads(block.code) if block.language == "json" else yaml.safe_load(block.code)
    if isinstance(document, dict) and "steps" in document:  # a scenario
        jsonschema.validate(document, scenario.schema())
        scenario.from_document(document, block.name)
    elif isinstance(document, dict) and "accounts" in document:  # a fixture file
        jsonschema.validate(document, fixture_schema())
    elif isinstance(document, dict) and str(document.get("event", "")).endswith("/presence"):
        schemas.check("extension-presence-event", document)  # a notification as delivered


def test_a_block_that_runs_stays_on_this_machine() -> None:
    offenders = []
    for block in BLOCKS:
        if not _runs(block):
            continue
        for url in re.findall(r"https?://[^\s\"')]+", block.code):
            if not LOOPBACK.match(url) and not (
                block.language == "python" and IN_PROCESS.match(url)
            ):
                offenders.append(f"{block.name}: {url}")
    assert not offenders, offenders


RUN_PAGES = sorted({b.page for b in BLOCKS if _runs(b) and b.page not in RUN_ELSEWHERE})


@pytest.mark.parametrize("page", RUN_PAGES)
def test_the_blocks_of_a_page_run_as_written(page: str, tmp_path: Path) -> None:
    chosen = [b for b in BLOCKS if b.page == page and _runs(b)]
    shutil.copytree(REPO / "fixtures", tmp_path / "fixtures")  # the files the docs name
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
        "PRESENCE_MOCK_URL": f"http://127.0.0.1:{port}",
        "RINGCENTRAL_SERVER_URL": f"http://127.0.0.1:{port}",
        "PRESENCE_MOCK_GATEWAY_PORT": "0",  # REST port + 1 may be another test's
        "_PORT": str(port),
        "_LOG": str(tmp_path / "serve.log"),
    }
    session = subprocess.Popen(
        ["bash", "-c", script(chosen, port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env=env,
        start_new_session=True,  # the session and every server it started: one process group
    )
    try:
        output, _ = session.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGKILL)
        output, _ = session.communicate()
        output += "\n(the session took more than 300 s: stopped)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGTERM)
        session.wait(timeout=30)
    log = (tmp_path / "serve.log").read_text() if (tmp_path / "serve.log").exists() else ""
    assert session.returncode == 0, f"{output[-6000:]}\n--- serve.log ---\n{log[-3000:]}"
