"""Set up and run presence-mock from a clone, in one command (the README's Quick start).

    python3 dev.py serve [SERVE OPTIONS]   the emulator on its embedded defaults (127.0.0.1:8080)
    python3 dev.py test [PYTEST OPTIONS]   the whole test suite
    python3 dev.py setup                   what `test` installs, without running anything

Each makes `.venv` beside this file if it is missing, installs the package into it (`serve`:
what serving needs; `test`: the test extra, and the JavaScript SDK test's Node packages), and
runs the command. An install is redone only when pyproject.toml (or tests/js/package-lock.json)
changed since the last one. Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
JS = ROOT / "tests" / "js"
USAGE = "usage: python3 dev.py serve|test [options passed on] | setup"


def _fingerprint(*files: Path) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _run(command: list[str], cwd: Path = ROOT) -> None:
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd)
    if done.returncode:
        sys.exit(f"dev.py: {' '.join(command)} failed (exit {done.returncode})")


def _installed(extra: str) -> None:
    """The package installed in .venv with `extra`, unless it already is as pyproject says."""
    if not (BIN / "python").exists():
        _run([sys.executable, "-m", "venv", str(VENV)])
    stamp = VENV / f".installed-{extra or 'serve'}"
    wanted = _fingerprint(ROOT / "pyproject.toml")
    if stamp.exists() and stamp.read_text() == wanted:
        return
    python = str(BIN / "python")
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([python, "-m", "pip", "install", "--quiet", "-e", f".[{extra}]" if extra else "."])
    stamp.write_text(wanted)


def _node_packages() -> None:
    """tests/js's packages as its lock pins them (the JavaScript SDK's end-to-end test)."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("dev.py: the JavaScript SDK test needs Node 20+ with npm on the PATH")
    stamp = JS / "node_modules" / ".installed"
    wanted = _fingerprint(JS / "package-lock.json")
    if stamp.exists() and stamp.read_text() == wanted:
        return
    _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS)
    stamp.write_text(wanted)


def main(argv: list[str]) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 the user has
        sys.exit("dev.py: presence-mock needs Python 3.11 or newer")
    if not argv or argv[0] not in ("serve", "test", "setup") or (argv[0] == "setup" and argv[1:]):
        sys.exit(USAGE)
    verb, rest = argv[0], argv[1:]
    if verb == "serve":
        _installed("")
        command = [str(BIN / "presence-mock"), "serve", *rest]
    else:
        _installed("test")
        _node_packages()
        if verb == "setup":
            return
        command = [str(BIN / "python"), "-m", "pytest", *rest]
    sys.stdout.flush()
    if os.name == "nt":
        sys.exit(subprocess.run(command, cwd=ROOT).returncode)
    os.chdir(ROOT)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
