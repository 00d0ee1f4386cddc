"""Findings a person can act on: request line, JSON path, rule, value found, value expected.

A `Verdict` collects the findings of one case; `settle()` fails the case with all of them at
once (masked, no traceback). Warnings, for what a real server may fairly do differently (extra
fields, its own date-time style), never fail a case.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

# The schemas' wording of a Problem's values, so schema findings read like the emulator's.
from mockserver.schemas import Problem, expected_text, found_text, problems, undeclared_fields

from .client import Exchange
from .masking import Masker

# The platform writes offsets without a colon, e.g. startTime "2018-10-23T12:19:01.499+0000"
# (the 2021 spec's recorded example; docs/contract.md#presence-record): RFC 3339 says "+00:00";
# a warning, not a failure.
PLATFORM_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{4}")


# A schema keyword in plain words: what the API's schema asks of the value at fault.
PLAIN_RULES = {
    "enum": "one of the values the API defines",
    "const": "the one value the API defines",
    "type": "of the type the API defines",
    "required": "a field the API always sends",
    "format": "in the format the API defines",
    "pattern": "in the form the API defines",
    "additionalProperties": "only the fields the API defines",
    "minimum": "no less than the API allows",
    "maximum": "no more than the API allows",
    "minLength": "no shorter than the API allows",
    "maxLength": "no longer than the API allows",
    "minItems": "no fewer items than the API allows",
    "maxItems": "no more items than the API allows",
}


def plain_rule(schema: str, keyword: str) -> str:
    """The rule a schema finding breaks, said in words, then the schema and keyword."""
    words = PLAIN_RULES.get(keyword, "as the API's schema defines it")
    return f"{words} (schema {schema}: {keyword})"


class ContractWarning(UserWarning):
    """A difference a conforming server may have; shown, never failing."""


@dataclass(frozen=True)
class Finding:
    request: str  # "GET https://... (answered 200)"
    path: str  # JSON path, or a description of where (e.g. "Content-Type header")
    rule: str
    found: str
    expected: str

    def text(self) -> str:
        return (
            f"{self.request}\n  at {self.path}\n  rule: {self.rule}\n"
            f"  found: {self.found}\n  expected: {self.expected}"
        )


@dataclass
class Ledger:
    """Warnings of a whole run, by endpoint, without repeats (one per rule and field)."""

    warnings: dict[str, list[str]] = field(default_factory=dict)

    def add(self, endpoint: str, text: str) -> bool:
        known = self.warnings.setdefault(endpoint, [])
        if text in known:
            return False
        known.append(text)
        return True


@dataclass
class Verdict:
    endpoint: str
    masker: Masker
    ledger: Ledger
    findings: list[Finding] = field(default_factory=list)

    def fail(self, exchange: Exchange, path: str, rule: str, found: str, expected: str) -> None:
        """Record a broken rule; `found` and `expected` are already text (use repr for values)."""
        self.findings.append(Finding(exchange.described(), path, rule, found, expected))

    def expect(
        self, ok: bool, exchange: Exchange, path: str, rule: str, found: Any, expected: Any
    ) -> bool:
        """Record a broken rule unless `ok`; values are shown with repr."""
        if not ok:
            self.fail(exchange, path, rule, _short(found), _short(expected))
        return ok

    def expect_field(
        self,
        exchange: Exchange,
        path: str,
        rule: str,
        holder: Mapping[str, Any],
        key: str,
        expected: Any,
    ) -> bool:
        """`holder[key] == expected`, else a broken rule showing what is there (`<absent>`)."""
        found = holder.get(key, "<absent>")
        return self.expect(holder.get(key) == expected, exchange, path, rule, found, expected)

    def warn(self, exchange: Exchange, text: str) -> None:
        # The same field on every record is one warning; indices are folded into [*].
        general = re.sub(r"\[\d+\]", "[*]", text)
        if self.ledger.add(self.endpoint, general):
            message = self.masker.mask(f"{exchange.line}: {general}")
            warnings.warn(ContractWarning(message), stacklevel=2)

    def schema(self, exchange: Exchange, name: str, body: Any, where: str = "") -> bool:
        """Check `body` against schema `name`; True when it conforms (warnings allowed)."""
        ok = True
        for problem in problems(name, body):
            if _platform_style(problem):
                self.warn(
                    exchange,
                    f"{where}{problem.path}: date-time in the platform's style "
                    f"{problem.found!r} (RFC 3339 wants a colon in the offset)",
                )
                continue
            ok = False
            self.fail(
                exchange,
                where + problem.path,
                plain_rule(name, problem.rule),
                found_text(problem),
                expected_text(problem),
            )
        for path in undeclared_fields(name, body):
            self.warn(exchange, f"{where}{path}: a field the schema {name} does not declare")
        return ok

    def settle(self) -> None:
        if self.findings:
            head = f"{len(self.findings)} contract finding(s) on {self.endpoint}:"
            text = "\n".join([head, *(f.text() for f in self.findings[:20])])
            if len(self.findings) > 20:
                text += f"\n... and {len(self.findings) - 20} more"
            pytest.fail(self.masker.mask(text), pytrace=False)


def _platform_style(problem: Problem) -> bool:
    return (
        problem.rule == "format"
        and problem.expected == "date-time"
        and isinstance(problem.found, str)
        and PLATFORM_DATE_TIME.fullmatch(problem.found) is not None
    )


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) and value.startswith("<") else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
