"""`--help` the same way everywhere (decision CLI-4): every flag and argument of every command
described, defaults written `(default: X)`; a bare `presence-mock` prints the help; a mistyped
command, flag or chaos operation gets a "did you mean"."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator

import pytest

from mockserver.chaos.specs import parse_list
from mockserver.cli.main import _parser, main
from mockserver.config import default_workers
from mockserver.errors import InvalidParameter


def parsers(
    parser: argparse.ArgumentParser | None = None,
) -> Iterator[argparse.ArgumentParser]:
    """The command and every subcommand, depth first."""
    parser = parser or _parser()
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases: once
                yield from parsers(child)


ALL = list(parsers())


def described(action: argparse.Action) -> bool:
    return action.help is argparse.SUPPRESS or bool(action.help and action.help.strip())


@pytest.mark.parametrize("parser", ALL, ids=[p.prog for p in ALL])
def test_every_flag_and_argument_is_described(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue  # its commands are described in their own help line, tested below
        assert described(action), f"{parser.prog} {action.option_strings or action.dest}"


@pytest.mark.parametrize("parser", ALL, ids=[p.prog for p in ALL])
def test_defaults_are_written_one_way(parser):
    for action in parser._actions:
        text = action.help if isinstance(action.help, str) else ""
        where = f"{parser.prog} {action.option_strings or action.dest}"
        # "(default: X)", never "(default X)", "(X, the default)" or "off by default".
        assert not re.search(r"default [^:]|, the default|by default|the default\)", text), where


def test_every_command_has_a_line_of_help():
    for parser in ALL:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    assert choice.help and choice.help.strip(), f"{parser.prog} {choice.dest}"


def test_a_bare_command_prints_the_help_and_exits_0(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: presence-mock") and "serve" in out and "--url" in out


@pytest.mark.parametrize(
    ("argv", "suggested"),
    [
        (["serv"], "did you mean serve?"),
        (["call", "rign", "+16505550100", "101"], "did you mean ring?"),
        (["scenario", "rnu", "inbound-call"], "did you mean run?"),
        (["call", "ring", "+16505550100", "101", "--nmae", "Ann"], "did you mean --name?"),
        (["serve", "--prot", "0"], "did you mean --port?"),
        (["listen", "--ulr", "http://127.0.0.1:9"], "did you mean --url?"),
    ],
)
def test_a_mistyped_word_gets_a_suggestion_in_one_line(capsys, argv, suggested):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert suggested in err and err.count("\n") == 1, err


def test_a_mistyped_chaos_operation_or_fault_gets_a_suggestion():
    with pytest.raises(InvalidParameter, match="did you mean readUserPresenceStatus"):
        parse_list("readUserPresenceStatu=503", "fault")
    with pytest.raises(InvalidParameter, match="did you mean reset"):
        parse_list("rest", "fault")


def test_help_texts_say_what_the_command_does(capsys):
    def help_of(*argv: str) -> str:
        with pytest.raises(SystemExit):
            _parser().parse_args([*argv, "--help"])
        return " ".join(capsys.readouterr().out.split())

    assert "FROM rings TO" in help_of("call")
    assert "wait up to SECONDS for the server" in help_of("scenario", "run")
    assert "--client-id" in help_of("listen") and "RINGCENTRAL_CLIENT_ID" in help_of("listen")
    served = help_of("serve")
    assert "one per core, at most 4" in served
    assert default_workers() == max(1, min(os.cpu_count() or 1, 4))


def test_activity_stop_needs_no_name():
    args = _parser().parse_args(["activity", "--stop"])
    assert args.stop and args.name == "office-day"
