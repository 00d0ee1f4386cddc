"""The package's own dependencies are what serving needs and nothing more: each is imported by
the package's code, and serving (the command, the app, the gateway, the workers) imports nothing
of the extras (the contract kit's pytest and responses, the redis:// store's client, the test
tools), so a plain `pip install` of the package serves."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.support.paths import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# A distribution's name -> the module it is imported as, where they differ.
MODULE_OF = {"pyjwt": "jwt", "pyyaml": "yaml"}
SOURCES = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "mockserver").rglob("*.py"))
BASE = [Requirement(r).name.lower() for r in PYPROJECT["project"]["dependencies"]]
EXTRA_ONLY = (
    {
        Requirement(r).name.lower()
        for extra in PYPROJECT["project"]["optional-dependencies"].values()
        for r in extra
    }
    - set(BASE)
    - {"presence-mock"}
)


@pytest.mark.parametrize("name", BASE)
def test_every_dependency_is_imported_by_the_package(name: str) -> None:
    module = MODULE_OF.get(name, name.replace("-", "_"))
    assert re.search(rf"^\s*(import|from) {module}\b", SOURCES, re.MULTILINE), name


def test_serving_imports_no_extra() -> None:
    modules = {MODULE_OF.get(n, n.replace("-", "_")) for n in EXTRA_ONLY}
    code = (
        "import sys\n"
        "from mockserver.cli import main\n"
        "from mockserver.web.app import create_app\n"
        "from mockserver.runtime import serve, workers, gateway_process\n"
        "from mockserver.gateway.app import Gateway\n"
        "from mockserver.gateway.core import Core\n"
        "from mockserver.web.context import emulator_of\n"
        "app = create_app()\n"
        "Gateway(Core(emulator_of(app)))\n"
        "client = app.test_client()\n"
        "assert client.get('/restapi/v1.0/account/~/presence').status_code == 401\n"
        "assert client.get('/_mock/board').status_code == 200\n"
        "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    imported = set(done.stdout.split())
    assert not (imported & modules), sorted(imported & modules)
