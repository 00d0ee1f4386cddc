"""Which surfaces a list names, which targets the kit accepts, and what the command passes on."""

from __future__ import annotations

import pytest

from mockserver.cli.contract import contract_options
from mockserver.cli.main import _parser
from mockserver.config import ConfigError
from presence_mock_kit.checks import ACCOUNT, BATCH, PUT, SINGLE
from presence_mock_kit.surfaces import SURFACES, parse_surfaces, surface_of
from presence_mock_kit.targets import target_problem


def test_the_presence_surface_is_the_three_presence_operations():
    assert {SINGLE, BATCH, ACCOUNT, PUT} <= SURFACES["presence"]
    assert surface_of(PUT) == "presence" and surface_of("something else") is None


@pytest.mark.parametrize(
    ("given", "chosen"),
    [
        (None, tuple(SURFACES)),
        ("", tuple(SURFACES)),
        ("all", tuple(SURFACES)),
        ("presence", ("presence",)),
        (" Calls , presence ", ("presence", "calls")),
    ],
)
def test_surfaces_are_read_in_the_tables_order(given, chosen):
    assert parse_surfaces(given) == chosen


def test_an_unknown_surface_names_the_known_ones():
    with pytest.raises(ValueError, match=r"^--surface presense: unknown surface presense;"):
        parse_surfaces("presense")


@pytest.mark.parametrize(
    "target",
    [
        "inprocess",
        "http://127.0.0.1:8080",
        "https://platform.devtest.ringcentral.com",
        "http://[::1]:9/",
    ],
)
def test_base_urls_are_accepted(target):
    assert target_problem(target) is None


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("127.0.0.1:8080", "--target 127.0.0.1:8080: expected a URL starting with http:// or "
         "https:// (e.g. http://127.0.0.1:8080), or inprocess"),
        ("localhost", "--target localhost: expected a URL starting with http:// or https:// "
         "(e.g. http://localhost), or inprocess"),
        ("http://127.0.0.1:8080/restapi/v1.0", "--target http://127.0.0.1:8080/restapi/v1.0: give "
         "the server's base URL without a path (http://127.0.0.1:8080); the kit adds /restapi/v1.0 "
         "itself"),
        ("http://127.0.0.1:8080?x=1", "without a path (http://127.0.0.1:8080)"),
        ("http://127.0.0.1:eighty", "not a URL"),
        ("http://", "expected a URL starting with"),
    ],
)  # fmt: skip
def test_other_targets_are_one_line_saying_what_to_give(target, said):
    problem = target_problem(target)
    assert problem is not None and said in problem and "\n" not in problem


def test_a_password_in_a_refused_target_is_not_repeated():
    problem = target_problem("http://me:hunter2@127.0.0.1:8080/restapi")
    assert problem is not None and "hunter2" not in problem


def test_the_pytest_option_is_named_when_asked():
    assert str(target_problem("x", "--presence-target")).startswith("--presence-target x:")


def test_what_follows_a_double_dash_goes_to_pytest():
    args = _parser().parse_args(
        ["contract", "--surface", "presence", "--", "-k", "batch", "-x", "--junitxml", "k.xml"]
    )
    options = contract_options(args, {})
    assert options.surface == "presence"
    assert options.pytest_args == ("-k", "batch", "-x", "--junitxml", "k.xml")


def test_the_surface_twin_is_read_and_checked():
    args = _parser().parse_args(["contract"])
    assert contract_options(args, {"PRESENCE_MOCK_SURFACE": "calls"}).surface == "calls"
    with pytest.raises(ValueError, match="unknown surface"):
        contract_options(args, {"PRESENCE_MOCK_SURFACE": "cals"})


def test_a_bad_target_twin_is_refused_before_anything_runs():
    args = _parser().parse_args(["contract"])
    # The refusal names where the value came from (decision CLI-1).
    with pytest.raises(ConfigError, match=r"PRESENCE_MOCK_TARGET 127\.0\.0\.1:9: expected a URL"):
        contract_options(args, {"PRESENCE_MOCK_TARGET": "127.0.0.1:9"})
    with pytest.raises(ConfigError, match=r"PRESENCE_MOCK_URL 127\.0\.0\.1:9: expected a URL"):
        contract_options(args, {"PRESENCE_MOCK_URL": "127.0.0.1:9"})
