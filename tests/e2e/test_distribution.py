"""The package as an index would ship it: the wheel and the sdist build from a clone with the
`dist` extra (`python -m build`), their metadata is what an index shows (name, version from
mockserver.__version__, licence, readme, classifiers, URLs), the sdist carries what a build
needs, and the wheel, installed into a fresh venv and run outside the source tree, gives the
`presence-mock` command and the contract kit.

No index is asked: the wheel goes in without its dependencies, which the fresh venv finds
through a path file naming this venv's site-packages (after its own, so the package itself is
the installed copy, not this clone's)."""

from __future__ import annotations

import email
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import mockserver
from tests.support.paths import REPO


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the dist extra's setuptools, already here (an isolated build would ask an
    # index for it).
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    yield out


def _one(dist: Path, pattern: str) -> Path:
    [found] = dist.glob(pattern)
    return found


def test_the_metadata_is_complete_for_an_index(dist: Path) -> None:
    wheel = _one(dist, "presence_mock-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(archive.read(name))
        names = archive.namelist()
    assert meta["Name"] == "presence-mock"
    assert meta["Version"] == mockserver.__version__
    assert wheel.name.startswith(f"presence_mock-{mockserver.__version__}-")
    assert meta["License-Expression"] == "MIT"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "## Quick start" in (meta.get_payload() or "")
    classifiers = meta.get_all("Classifier") or []
    assert (
        "Framework :: Pytest" in classifiers
        and "Programming Language :: Python :: 3.11" in classifiers
    )
    assert meta.get_all("Project-URL")
    assert meta["Requires-Python"] == ">=3.11"
    extras = set(meta.get_all("Provides-Extra") or [])
    assert {"contract", "redis", "dist"} <= extras
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sdist_carries_what_a_build_needs(dist: Path) -> None:
    sdist = _one(dist, "presence_mock-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    for needed in (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "mockserver/__init__.py",
        "presence_mock_kit/__init__.py",
        "mockserver/web/static/board.js",
    ):
        assert needed in names, needed
    assert any(n.startswith("schemas/") and n.endswith(".json") for n in names)


def test_the_wheel_installs_into_a_fresh_venv_and_runs(dist: Path, tmp_path: Path) -> None:
    wheel = _one(dist, "presence_mock-*.whl")
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    # The dependencies, from this venv, after the fresh venv's own site-packages.
    (site / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )  # fmt: skip
    command = home / "bin" / "presence-mock"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    said = subprocess.run(
        [str(command), "--help"], cwd=outside, capture_output=True, text=True, timeout=60
    )
    assert said.returncode == 0 and "serve" in said.stdout, said.stderr
    version = subprocess.run(
        [str(command), "--version"], cwd=outside, capture_output=True, text=True, timeout=60
    )
    assert version.stdout.strip() == f"presence-mock {mockserver.__version__}"
    code = (
        "import mockserver, presence_mock_kit, presence_mock_kit.plugin; "
        "from mockserver.web.app import create_app; "
        "assert create_app().test_client().get('/_mock/board').status_code == 200; "
        "print(mockserver.__file__)"
    )
    where = subprocess.run(
        [str(python), "-c", code], cwd=outside, capture_output=True, text=True, timeout=120
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout  # the installed copy
