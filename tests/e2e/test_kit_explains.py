"""The kit, run in process against an emulator whose WebHook deliveries all fail by a chaos
rule: its failure message for the missing event carries the emulator's explanation."""

from __future__ import annotations

import pytest

CONFTEST = """
import pytest
from presence_mock_kit.conftest import _MOCK_KEY


@pytest.fixture(autouse=True)
def every_delivery_fails(pytestconfig):
    mock = pytestconfig.stash[_MOCK_KEY]
    mock.emulator.chaos.set({"rules": [{"operation": "webhookDelivery", "fault": "503"}]})
"""


def test_the_kit_says_why_the_event_did_not_come(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "presence_mock_kit",
        "-p",
        "no:cacheprovider",
        "--presence-allow-writes",
        "-k",
        "test_a_put_produces_the_matching_event",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*nothing with userStatus*the emulator says:*chaosRule*503*"])
