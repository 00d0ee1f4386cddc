"""argparse as every `presence-mock` command uses it: a refusal in one line (exit 2) that names
the closest flag, command or choice when one was mistyped ("did you mean"). argparse suggests
only from Python 3.14 on (`suggest_on_error`); this does it on every supported version."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from mockserver.inputs import did_you_mean

_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<given>[^']*)' \(choose from (?P<choices>.*)\)")


class Parser(argparse.ArgumentParser):
    """A refusal in one line, with a suggestion; unknown flags are judged by the parser of the
    command they were given to (`call ring --urll` suggests `--url`)."""

    def error(self, message: str) -> NoReturn:
        matched = _INVALID_CHOICE.search(message)
        if matched is not None:
            choices = [c.strip().strip("'") for c in matched.group("choices").split(",")]
            message += did_you_mean(matched.group("given"), choices)
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        found, extras = self.parse_known_args(args, namespace)
        if extras:
            chain = list(_chosen(self, found))
            flags = [
                flag
                for parser in chain
                for action in parser._actions
                if action.help != argparse.SUPPRESS
                for flag in action.option_strings
            ]
            first = next((e.partition("=")[0] for e in extras if e.startswith("-")), "")
            hint = did_you_mean(first, flags) if first else ""
            chain[-1].error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return found


def _chosen(parser: argparse.ArgumentParser, found: argparse.Namespace) -> Iterator[Any]:
    """The parser of the command, then of each verb, that `found` was parsed by."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(found, action.dest, None) or "")
            if chosen is not None:
                yield from _chosen(chosen, found)
            return
