"""The README's tour (and docs/auth.md's flows) run as written against a live `presence-mock
serve` on a free loopback port: every fenced `sh` block in one bash session, in order, with the
`python` blocks run by this venv's python where they stand; 127.0.0.1:8080 becomes the server's
address. A block is left out only where a `<!-- not run ... -->` comment says why."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.live_server import serving
from tests.support.paths import REPO

ROOT = REPO
BLOCK = re.compile(r"(<!-- not run[^>]*-->\s*\n)?```(sh|python)\n(.*?)```", re.S)
DEFAULT = "127.0.0.1:8080"


def blocks(document: Path) -> list[tuple[str, str]]:
    """(language, code) of each block meant to run."""
    return [(lang, code) for skip, lang, code in BLOCK.findall(document.read_text()) if not skip]


def script(document: Path, address: str) -> str:
    lines = ["set -euo pipefail"]
    for number, (lang, code) in enumerate(blocks(document)):
        code = code.replace(DEFAULT, address)
        if lang == "sh":
            lines.append(code)
        else:  # a here-document keeps the block's text exactly as written
            marker = f"PYTHON_BLOCK_{number}"
            lines.append(f"\"$PYTHON\" - <<'{marker}'\n{code}{marker}")
    return "\n".join(lines) + "\n"


def run_document(document: Path, tmp_path: Path) -> str:
    with serving(tmp_path, "--workers", "1") as url:
        address = url.removeprefix("http://")
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHON": sys.executable,
        }
        done = subprocess.run(
            ["bash", "-c", script(document, address)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            env=env,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    readme = ROOT / "README.md"
    found = blocks(readme)
    assert len(found) >= 8 and {lang for lang, _ in found} == {"sh", "python"}
    output = run_document(readme, tmp_path)
    assert '"errorCode"' not in output, output  # every call of the tour succeeds
    assert "HTTP/1.1 207 Multi-Status" in output
    assert '"userStatus":"Busy"' in output.replace(" ", "")
    assert "presence contract summary" in output
    # read-only: no failure (the PUT and the subscription writes are skipped)
    assert re.search(r"\n\d+ passed, 6 skipped in ", output), output


def test_the_auth_flows_run_as_written(tmp_path: Path) -> None:
    output = run_document(ROOT / "docs" / "auth.md", tmp_path)
    assert "http://localhost/cb?code=" in output
    assert "OAU-140" in output and "OAU-128" in output
    assert re.search(r"\b900\n", output) and re.search(r"\b200\n", output), output


@pytest.mark.parametrize("document", ["README.md", "docs/auth.md"])
def test_nothing_is_left_for_the_reader_to_guess(document: str) -> None:
    text = (ROOT / document).read_text()
    assert not re.search(r"<id\d>|<token>|<code>", text)
    code = "\n".join(block for lang, block in blocks(ROOT / document) if lang == "sh")
    for variable in re.findall(r"\$([A-Z][A-Z_]+)", code):  # each set before its first use
        assert re.search(rf"(^|[\s;(]){variable}=", code[: code.index("$" + variable)]) or (
            variable.startswith(
                "RINGCENTRAL_"
            )  # set by `eval "$(presence-mock credentials --env)"`
        ), variable
    assert "pip install 'presence-mock[" not in text  # not on an index: that command fails
