"""Installing presence-mock must never break another project's pytest run (decisions KIT-9, KIT-10).

pytest loads the package's two `pytest11` plugins in every run where it is installed. A project
with its own `contract_tests` package (the name the kit once had) must collect and run its own
tests, with or without the kit's options, and even beside the kit itself.
"""

from __future__ import annotations

import pytest

PROJECT_TEST = """
from contract_tests.helpers import answer


def test_mine():
    assert answer() == 42


def test_the_fixture_is_there_when_asked(presence_mock):
    assert presence_mock.credentials["clientId"]
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project whose tests live in its own `contract_tests` package."""
    pytester.mkpydir("contract_tests")
    pytester.path.joinpath("contract_tests", "helpers.py").write_text(
        "def answer():\n    return 42\n"
    )
    pytester.path.joinpath("contract_tests", "test_mine.py").write_text(PROJECT_TEST)
    return pytester


def test_a_project_with_its_own_contract_tests_runs_them(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "Error while loading plugin" not in result.stderr.str()


def test_the_kit_options_do_not_disturb_it(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--presence-target", "inprocess", "--presence-pace", "off"
    )
    result.assert_outcomes(passed=2)


def test_its_tests_and_the_kit_run_side_by_side(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "-p", "no:cacheprovider", "contract_tests", "--pyargs", "presence_mock_kit"
    )
    # The project's 2 and the kit's read-only run against the in-process emulator.
    result.assert_outcomes(passed=2 + 41, skipped=6)


def test_the_plugins_import_nothing_of_the_emulator() -> None:
    import subprocess
    import sys

    code = (
        "import sys, presence_mock_kit.plugin, mockserver.inprocess.pytest_plugin; "
        "heavy = {'flask', 'werkzeug', 'responses', 'requests', 'faker', 'jsonschema'}; "
        "found = heavy & set(sys.modules); assert not found, found"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
