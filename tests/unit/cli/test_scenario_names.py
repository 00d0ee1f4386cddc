"""`scenario list`, and a shipped scenario named where a file was asked for (decision CLI-7)."""

from __future__ import annotations

from mockserver.cli.main import main


def test_scenario_list_names_each_shipped_example(capsys):
    assert main(["scenario", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "inbound-call",
        "internal-transfer",
        "meeting-and-warm-transfer",
        "park-and-pickup",
        "queue-call",
    ]
    assert all("steps" in line for line in lines)


def test_scenario_check_takes_a_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["scenario", "check", "queue-call"]) == 0
    assert "queue-call: 7 steps" in capsys.readouterr().out


def test_a_mistyped_name_is_one_line_with_the_closest(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["scenario", "run", "inbound-cal", "--url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean inbound-call?" in err
