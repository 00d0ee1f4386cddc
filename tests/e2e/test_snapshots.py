"""Snapshots across real processes: `serve --import` and `--export-on-exit` (SIGTERM and
SIGINT), `presence-mock snapshot export|import` against a running server, its refusals in one
line with exit 2, and the controls token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from mockserver.config import Settings
from mockserver.emulator import Emulator
from mockserver.snapshots import export_bytes
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import COMMAND, free_port, running, started
from tests.support.snapshots import (
    OWN_PRESENCE,
    build_office,
    caller_of,
    sections,
    without_timestamp,
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of a busy office of seed 7 (not the default accounts)."""
    emulator = Emulator.from_settings(Settings(seed=7))
    build_office(emulator)
    path = tmp_path_factory.mktemp("snapshots") / "office.json"
    path.write_bytes(export_bytes(emulator))
    return path


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "snapshot", *args], capture_output=True, text=True, timeout=60, env=env
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_imports_then_exports_on_exit(
    stop: signal.Signals, office: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    got = tmp_path / "got.json"
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--import", str(office)]
    command += ["--export-on-exit", str(out)]
    with started(command, port, tmp_path) as (url, process):
        done = cli("export", str(got), "--url", url)
        assert done.returncode == 0, done.stderr
        assert without_timestamp(got.read_bytes()) == without_timestamp(office.read_bytes())
        # The accounts are the snapshot's (seed 7), not the default seed's.
        health = requests.get(f"{url}/_mock/health", timeout=5).json()
        assert health["extensions"] == sum(
            len(a["extensions"]) for a in sections(office.read_bytes())["directory"]["accounts"]
        )
        process.send_signal(stop)
        process.wait(timeout=30)
    assert out.is_file(), (tmp_path / f"serve-{port}.log").read_text()
    assert without_timestamp(out.read_bytes()) == without_timestamp(office.read_bytes())


def test_snapshot_import_into_a_running_server(office: Path, tmp_path: Path) -> None:
    got = tmp_path / "got.json"
    port = free_port()
    with running([COMMAND, "serve", "--port", str(port), "--seed", "7"], port, tmp_path) as url:
        done = cli("import", str(office), "--url", url)
        assert done.returncode == 0, done.stderr
        assert "imported" in done.stdout
        assert cli("export", str(got), "--url", url).returncode == 0
        assert without_timestamp(got.read_bytes()) == without_timestamp(office.read_bytes())
        before = got.read_bytes()
        # Every worker reads the imported presence (their read caches follow the write).
        busy = _busy(office)
        for _ in range(6):  # the workers take turns
            row = requests.get(f"{url}/_mock/board/extensions/{busy}", timeout=5).json()
            assert row["presence"]["userStatus"] == "Busy"
        # A bad file: refused here, before anything is sent; the server keeps its state.
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**json.loads(office.read_text()), "version": 2}))
        done = cli("import", str(bad), "--url", url)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and "version 2" in done.stderr
        assert "Traceback" not in done.stderr
        # Refused by the server: a WebHook address its policy refuses.
        data = json.loads(office.read_text())
        data["subscriptions"][0]["address"] = "http://10.9.8.7/hook"
        bad.write_text(json.dumps(data))
        done = cli("import", str(bad), "--url", url)
        assert done.returncode == 2 and done.stderr.count("\n") == 1
        assert "(400)" in done.stderr and "--webhook-allow" in done.stderr
        assert cli("export", str(got), "--url", url).returncode == 0
        assert without_timestamp(got.read_bytes()) == without_timestamp(before)


def test_other_accounts_are_refused_with_the_way_out(office: Path, tmp_path: Path) -> None:
    port = free_port()
    with running([COMMAND, "serve", "--port", str(port)], port, tmp_path) as url:
        done = cli("import", str(office), "--url", url)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "(409)" in done.stderr and "serve --import" in done.stderr


def test_a_locked_server_wants_its_token(office: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--controls", "token", "--seed", "7"]
    token = {"PRESENCE_MOCK_CONTROLS_TOKEN": "s3cret-token"}
    got = tmp_path / "got.json"
    with running(command, port, tmp_path, env=token) as url:
        done = cli("export", str(got), "--url", url)
        assert done.returncode == 2 and "PRESENCE_MOCK_CONTROLS_TOKEN" in done.stderr
        assert not got.exists()
        env = {**os.environ, **token}
        assert cli("import", str(office), "--url", url, env=env).returncode == 0
        assert cli("export", str(got), "--url", url, env=env).returncode == 0
    assert without_timestamp(got.read_bytes()) == without_timestamp(office.read_bytes())


def test_serve_refuses_a_bad_snapshot_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    port = free_port()
    done = subprocess.run(
        [COMMAND, "serve", "--port", str(port), "--import", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr  # nothing started
    assert "bad.json: not valid JSON" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(
        [COMMAND, "serve", "--port", str(port), "--export-on-exit", str(tmp_path / "no" / "x")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--export-on-exit" in done.stderr


def test_an_unreachable_server_is_exit_1(tmp_path: Path) -> None:
    done = cli("export", str(tmp_path / "x.json"), "--url", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 1 and done.stderr.count("\n") == 1


def _busy(office: Path) -> str:
    presence = sections(office.read_bytes())["presence"]
    return next(key for key, fields in presence.items() if fields.get("userStatus") == "Busy")


def test_an_imported_subscription_is_delivered_to(tmp_path: Path) -> None:
    """A WebHook subscription saved on one emulator gets the changes made on the server that
    loaded it."""
    with WebhookReceiver() as receiver:
        saved = Emulator.from_settings(Settings())
        admin = saved.directory.accounts[0].administrator
        body = {
            "eventFilters": [OWN_PRESENCE],
            "deliveryMode": {"transportType": "WebHook", "address": receiver.url},
        }
        saved.events.subscriptions.create(caller_of(saved, admin), body)
        snapshot = tmp_path / "hooked.json"
        snapshot.write_bytes(export_bytes(saved))
        port = free_port()
        command = [COMMAND, "serve", "--port", str(port), "--import", str(snapshot)]
        with running(command, port, tmp_path) as url:
            changed = requests.post(
                f"{url}/_mock/presence/{admin.id}", json={"userStatus": "Busy"}, timeout=5
            )
            assert changed.status_code == 200, changed.text
            delivered = receiver.wait_for(lambda d: bool(d.body), timeout=20).json
        assert delivered["body"]["userStatus"] == "Busy"
        assert (
            delivered["subscriptionId"] == sections(snapshot.read_bytes())["subscriptions"][0]["id"]
        )
