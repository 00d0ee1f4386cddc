"""The mock servers users compare presence-mock with, serving the emulator's own single-GET body.

`python -m bench` measures them in the same rounds as the emulator and the bare Flask route:

* WireMock 3.13.2 standalone (the npm package `wiremock` ships its jar; `java` runs it), a
  static stub of the body;
* Mockoon CLI 9.9.0 (npm `@mockoon/cli`), one route answering the body, templating off;
* Prism (`prism` on PATH, not installed by the bench) mocking `spec/` when it is there.

The npm packages are pinned in bench/peers/package.json and its lock; the bench installs them
itself (`npm ci` in bench/peers/) the first time. Every peer binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent / "peers"
MODULES = HERE / "node_modules"
WIREMOCK_JAR = MODULES / "wiremock" / "build" / "wiremock-standalone-3.13.2.jar"
MOCKOON = MODULES / ".bin" / "mockoon-cli"
SPEC = Path(__file__).parent.parent / "spec"


@dataclass(frozen=True, slots=True)
class Peer:
    name: str  # as the table shows it
    command: list[str]
    path: str  # the URL path it answers the body on


def install() -> str | None:
    """The npm peers, installed if they are not yet; a line saying why not, or None."""
    if WIREMOCK_JAR.exists() and MOCKOON.exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed: WireMock and Mockoon are left out"
    print("bench: installing WireMock and Mockoon CLI (npm ci in bench/peers)", file=sys.stderr)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True
    )
    if done.returncode != 0:
        return f"npm ci in bench/peers failed: {done.stderr.strip()[-300:]}"
    return None


def peers(path: str, body: bytes, port_of: dict[str, int], scratch: Path) -> list[Peer]:
    """The peers that can run here, each answering GET `path` with `body` on its port."""
    found: list[Peer] = []
    text = body.decode()
    java = shutil.which("java")
    if java and WIREMOCK_JAR.exists():
        root = scratch / "wiremock"
        (root / "mappings").mkdir(parents=True)
        stub = {
            "request": {"method": "GET", "urlPath": path},
            "response": {
                "status": 200,
                "body": text,
                "headers": {"Content-Type": "application/json"},
            },
        }
        (root / "mappings" / "presence.json").write_text(json.dumps(stub))
        command = [java, "-jar", str(WIREMOCK_JAR), "--port", str(port_of["wiremock"])]
        command += ["--bind-address", "127.0.0.1", "--root-dir", str(root)]
        command += ["--disable-banner", "--no-request-journal"]
        found.append(Peer("WireMock 3.13.2, static stub", command, path))
    if MOCKOON.exists():
        data = scratch / "mockoon.json"
        data.write_text(json.dumps(_mockoon_environment(path, text)))
        command = [str(MOCKOON), "start", "--data", str(data), "--port", str(port_of["mockoon"])]
        command += ["--hostname", "127.0.0.1", "--disable-log-to-file", "--disable-admin-api"]
        found.append(Peer("Mockoon CLI 9.9.0", command, path))
    prism = shutil.which("prism")
    spec = next(iter(sorted(SPEC.glob("*.y*ml")) + sorted(SPEC.glob("*.json"))), None)
    if prism and spec is not None:
        command = [prism, "mock", "--host", "127.0.0.1", "--port", str(port_of["prism"])]
        found.append(Peer("Prism, spec subset", [*command, str(spec)], path))
    return found


def _mockoon_environment(path: str, body: str) -> dict[str, object]:
    """A Mockoon environment of one route: GET `path` answers `body` (templating off)."""
    route, response = "00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000003"
    return {
        "uuid": "00000000-0000-4000-8000-000000000001",
        "lastMigration": 33,
        "name": "presence-mock bench",
        "endpointPrefix": "",
        "latency": 0,
        "port": 3000,
        "hostname": "127.0.0.1",
        "folders": [],
        "routes": [
            {
                "uuid": route,
                "type": "http",
                "documentation": "",
                "method": "get",
                "endpoint": path.lstrip("/"),
                "responses": [
                    {
                        "uuid": response,
                        "body": body,
                        "latency": 0,
                        "statusCode": 200,
                        "label": "",
                        "headers": [{"key": "Content-Type", "value": "application/json"}],
                        "bodyType": "INLINE",
                        "filePath": "",
                        "databucketID": "",
                        "sendFileAsBody": False,
                        "rules": [],
                        "rulesOperator": "OR",
                        "disableTemplating": True,
                        "fallbackTo404": False,
                        "default": True,
                        "crudKey": "id",
                        "callbacks": [],
                    }
                ],
                "responseMode": None,
                "streamingMode": None,
                "streamingInterval": 0,
            }
        ],
        "rootChildren": [{"type": "route", "uuid": route}],
        "proxyMode": False,
        "proxyHost": "",
        "proxyRemovePrefix": False,
        "tlsOptions": {
            "enabled": False,
            "type": "CERT",
            "pfxPath": "",
            "certPath": "",
            "keyPath": "",
            "caPath": "",
            "passphrase": "",
        },
        "cors": False,
        "headers": [],
        "proxyReqHeaders": [],
        "proxyResHeaders": [],
        "data": [],
        "callbacks": [],
    }


def scratch_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="presence-mock-bench-peers-")
