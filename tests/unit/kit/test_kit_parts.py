"""Small parts of the contract kit: masking, pacing, Retry-After, the contract command."""

from __future__ import annotations

from mockserver import PresenceMock
from presence_mock_kit.client import Target
from presence_mock_kit.masking import Masker
from presence_mock_kit.pacing import Pacer, group_of


def test_masker_hides_registered_secrets_and_any_token_shape():
    masker = Masker()
    masker.add("s3cr3t-value", "ab")  # too short to mask safely: ignored
    text = "secret s3cr3t-value; Authorization: Bearer abc.DEF-123; ?access_token=xyz&page=2"
    assert masker.mask(text) == ("secret ***; Authorization: Bearer ***; ?access_token=***&page=2")


def test_groups_follow_the_spec():
    assert group_of("GET", "/restapi/v1.0/account/~/presence") == "heavy"
    assert group_of("GET", "/restapi/v1.0/account/~/extension/~/presence") == "light"
    assert group_of("PUT", "/restapi/v1.0/account/~/extension/~/presence") == "medium"
    assert group_of("POST", "/restapi/oauth/token") == "auth"


def test_pacer_waits_once_a_group_is_full_and_off_never_waits():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(enabled=True, sleep=sleep, clock=lambda: now[0])
    for _ in range(10):
        pacer.before("heavy")
    assert slept == []
    now[0] = 15.0
    pacer.before("heavy")  # the 11th heavy call in a minute waits for the first to age out
    assert slept == [45.0]
    off = Pacer(enabled=False, sleep=sleep)
    for _ in range(100):
        off.before("auth")
    assert slept == [45.0]


def test_retry_after_is_honoured_on_429():
    waits: list[float] = []
    with PresenceMock("https://rl.test") as mock:
        creds = mock.credentials
        target = Target(
            "https://rl.test",
            creds["clientId"],
            creds["clientSecret"],
            creds["jwt"],
            Pacer(enabled=False),
            sleep=waits.append,
        )
        answers = iter([429, 429])
        original = mock._answer

        def throttled(prepared):
            code = next(answers, None)
            if code:
                return code, {"Retry-After": "7"}, b"{}"
            return original(prepared)

        mock._answer = throttled  # type: ignore[method-assign]
        mock.stop()
        mock.start()
        target.login()
    assert waits == [7.0, 7.0]
    assert target.token
