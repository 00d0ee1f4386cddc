"""Scenario and fixture files within stated limits: size, nesting, no YAML aliases in scenarios.
Each refusal is one line naming the file and the limit (never the expanded document), exit 2
from the CLI. The files here are small: enough to cross each limit, not to eat memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.cli.main import main
from mockserver.directory import fixtures
from mockserver.directory.fixtures import FixtureError, load_fixture
from mockserver.inprocess import PresenceMock
from mockserver.recording import exchange
from mockserver.telephony import scenario
from mockserver.telephony.scenario import (
    MAX_SCENARIO_BYTES,
    MAX_SCENARIO_DEPTH,
    ScenarioError,
    ScenarioLimit,
    load,
    parse,
)
from tests.support.answers import YAML_ALIAS_BOMB, assert_one_line
from tests.support.paths import REPO

SHIPPED = REPO / "fixtures"


def test_a_yaml_alias_bomb_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(YAML_ALIAS_BOMB)
    with pytest.raises(ScenarioLimit) as caught:
        load(path)
    assert_one_line(str(caught.value), str(path), "line 2", "YAML aliases (*a)", "not accepted")


def test_no_shipped_scenario_uses_an_alias() -> None:
    for path in sorted(SHIPPED.glob("scenario-*")):
        assert tuple(load(path).steps), path


def test_an_oversized_scenario_names_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    step = "  - {at: 1s, ring: {from: '+15550100', to: '101'}}\n"
    path.write_text("steps:\n" + step * (MAX_SCENARIO_BYTES // len(step) + 1))
    with pytest.raises(ScenarioLimit) as caught:
        load(path)
    assert_one_line(str(caught.value), str(path), "limited to 256 KiB")
    with pytest.raises(ScenarioLimit):
        parse(path.read_text(), "given text")


@pytest.mark.parametrize("depth", [MAX_SCENARIO_DEPTH + 1, 5000, 100_000])
@pytest.mark.parametrize("form", ["yaml", "json"])
def test_deeply_nested_scenarios_name_the_limit(tmp_path: Path, depth: int, form: str) -> None:
    nested = "[" * depth + "]" * depth
    text = f"steps: {nested}" if form == "yaml" else f'{{"steps": {nested}}}'
    path = tmp_path / f"deep.{form}"
    path.write_text(text)
    with pytest.raises(ScenarioLimit) as caught:
        load(path)
    assert_one_line(str(caught.value), str(path), f"nested deeper than {MAX_SCENARIO_DEPTH} levels")


def test_a_validation_message_never_quotes_a_whole_document() -> None:
    huge_string = "x" * 200_000
    many = ", ".join(["1.5"] * 20_000)
    for text in (
        f'steps: [{{at: 1s, ring: {{from: "{huge_string}", to: 1.5}}}}]',
        f"steps: [{{at: 1s, hold: {{by: [{many}]}}}}]",
        f"steps: [{{at: [{many}], hold: {{}}}}]",
        f"name: [{many}]\nsteps: []",
    ):
        with pytest.raises(ScenarioError) as caught:
            parse(text, "odd.yaml")
        assert_one_line(str(caught.value), "odd.yaml")


def test_in_process_play_refuses_the_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(YAML_ALIAS_BOMB)
    with PresenceMock() as mock, pytest.raises(ScenarioLimit):
        mock.play(path)


def test_the_cli_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(YAML_ALIAS_BOMB)
    for action in ("check", "run"):
        assert main(["scenario", action, str(bomb)]) == 2  # refused before any connection
        said = capsys.readouterr().err.strip()
        assert_one_line(said, str(bomb), "YAML aliases")
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [{at: 1s, hold: {by: 1.5}}]")
    assert main(["scenario", "check", str(bad)]) == 1  # a scenario that breaks its schema: 1


@pytest.mark.parametrize("depth", [40, 100_000])
def test_a_deep_fixture_is_one_line_not_a_recursion_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"version": 1, "apps": [], "accounts": [' + "[" * depth + "]" * depth + "]}")
    with pytest.raises(FixtureError) as caught:
        load_fixture(path)
    assert_one_line(str(caught.value), str(path), "nested deeper than 32 levels")


def test_an_oversized_fixture_names_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit made small here (128 MiB is too big to write in a test); the check is the same."""
    shipped = SHIPPED / "default-account.json"
    monkeypatch.setattr(fixtures, "MAX_FIXTURE_BYTES", 4096)
    with pytest.raises(FixtureError) as caught:
        load_fixture(shipped)
    assert_one_line(str(caught.value), str(shipped), "limited to 4 KiB")


def test_the_limits_leave_room_for_the_largest_office() -> None:
    """A fixture of 100,000 extensions (the generator's most) is about 76 MB indented: under
    the fixture limit; the shipped fixture nests 10 levels, under the depth limit."""
    assert fixtures.MAX_FIXTURE_BYTES >= 100_000 * 800
    assert load_fixture(SHIPPED / "default-account.json").accounts
    assert scenario.MAX_SCENARIO_BYTES == 256 << 10


def test_recordings_and_journals_read_back_are_bounded_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"formatVersion": 1, "exchanges": ' + "[" * 5000 + "]" * 5000 + "}")
    for argv in (["replay", str(deep)], ["drift", str(deep)], ["coverage", "--journal", str(deep)]):
        assert main(argv) == 2, argv
        assert_one_line(capsys.readouterr().err.strip(), str(deep), "nested deeper than 32 levels")
    monkeypatch.setattr(exchange, "MAX_FILE_BYTES", 16)
    assert main(["replay", str(deep)]) == 2
    assert_one_line(capsys.readouterr().err.strip(), str(deep), "limited to 16 bytes")
