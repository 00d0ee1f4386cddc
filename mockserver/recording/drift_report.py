"""What `presence-mock drift` found, and its three renderings: text, JSON and JUnit XML.

A finding is a `Difference` (counted as drift) or, with a `reason`, a limit of the recording: a
difference the recording itself explains (limits.py), listed apart and never counted. Findings
are kept twice: grouped once per (operation, kind, where) with a count and an example, for people;
and per request (`Case`), for CI (one JUnit test case per request).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any
from xml.etree import ElementTree

JSON_FORMAT_VERSION = 1
# The JSON report's published JSON Schema, beside this module (docs/recording.md#reports).
SCHEMA_FILE = "drift-report.schema.json"


def json_schema() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        resources.files("mockserver.recording").joinpath(SCHEMA_FILE).read_text("utf-8")
    )
    return found


@dataclass
class Difference:
    operation: str
    kind: str  # status | header | field | type | enum | errorCode
    where: str
    real: Any
    emulator: Any
    example: str
    count: int = 1
    reason: str | None = None  # set: a limit of the recording, not drift

    def key(self) -> tuple[str, str, str]:
        return (self.operation, self.kind, self.where)

    def to_dict(self) -> dict[str, Any]:
        found = {
            "operation": self.operation,
            "kind": self.kind,
            "where": self.where,
            "real": self.real,
            "emulator": self.emulator,
            "count": self.count,
            "example": self.example,
        }
        if self.reason is not None:
            found["reason"] = self.reason
        return found


@dataclass
class Case:
    """One recorded request: what it found, or why it was not asked again."""

    index: int
    operation: str
    request: str
    skipped: str | None = None
    differences: list[Difference] = field(default_factory=list)
    limits: list[Difference] = field(default_factory=list)

    @property
    def result(self) -> str:
        if self.skipped is not None:
            return "skipped"
        if self.differences:
            return "drift"
        return "limit" if self.limits else "same"

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "index": self.index,
            "operation": self.operation,
            "request": self.request,
            "result": self.result,
            "differences": [_one(d) for d in self.differences],
            "limits": [_one(d) for d in self.limits],
        }
        if self.skipped is not None:
            found["skipped"] = self.skipped
        return found


def _one(difference: Difference) -> dict[str, Any]:
    found = difference.to_dict()
    del found["count"], found["example"], found["operation"]
    return found


@dataclass
class Report:
    exchanges: int = 0
    compared: int = 0
    skipped: list[str] = field(default_factory=list)
    differences: dict[tuple[str, str, str], Difference] = field(default_factory=dict)
    limits: dict[tuple[str, str, str], Difference] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)

    def add(self, difference: Difference, case: Case | None = None) -> None:
        """Counted in its group (drift, or a limit when it has a reason) and in its request."""
        if case is not None:
            found = case.limits if difference.reason is not None else case.differences
            found.append(replace(difference))
        grouped = self.limits if difference.reason is not None else self.differences
        key = difference.key()
        if key in grouped:
            known = grouped[key]
            known.count += 1
            if isinstance(known.real, list) and isinstance(difference.real, list):
                known.real = sorted({*known.real, *difference.real})
        else:
            grouped[key] = replace(difference)

    @property
    def drifted(self) -> bool:
        return bool(self.differences)

    def to_dict(self) -> dict[str, Any]:
        found = list(self.differences.values())
        summary: dict[str, int] = {}
        for difference in found:
            summary[difference.kind] = summary.get(difference.kind, 0) + 1
        return {
            "formatVersion": JSON_FORMAT_VERSION,
            "drifted": self.drifted,
            "exchanges": self.exchanges,
            "compared": self.compared,
            "skipped": self.skipped,
            "summary": summary,
            "differences": [difference.to_dict() for difference in found],
            "limits": [limit.to_dict() for limit in self.limits.values()],
            "requests": [case.to_dict() for case in self.cases],
        }

    def json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def text(self) -> str:
        found = list(self.differences.values())
        limits = list(self.limits.values())
        lines = [
            f"drift: {self.compared} of {self.exchanges} requests compared, "
            f"{len(found)} difference(s), {len(limits)} limit(s) of the recording (not counted)"
        ]
        lines += _grouped(found)
        if limits:
            lines.append("\nlimits of the recording (not drift):")
            lines += _grouped(limits)
        if self.skipped:
            lines.append(f"\nnot replayed: {', '.join(self.skipped)}")
        return "\n".join(lines)

    def junit(self) -> str:
        """JUnit XML: one test case per recorded request; a failure for each request that
        drifted, its limits in `system-out`, `skipped` for a request not asked again."""
        failures = sum(1 for case in self.cases if case.result == "drift")
        skipped = sum(1 for case in self.cases if case.result == "skipped")
        suite = ElementTree.Element(
            "testsuite",
            name="presence-mock drift",
            tests=str(len(self.cases)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
        )
        for case in self.cases:
            element = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"drift.{case.operation}",
                name=f"{case.index:04d} {case.request}",
            )
            if case.skipped is not None:
                ElementTree.SubElement(element, "skipped", message=case.skipped)
                continue
            if case.differences:
                failure = ElementTree.SubElement(
                    element,
                    "failure",
                    message=f"{len(case.differences)} difference(s) from the recording",
                    type="drift",
                )
                failure.text = "\n".join(_line(d) for d in case.differences)
            if case.limits:
                out = ElementTree.SubElement(element, "system-out")
                out.text = "limits of the recording (not drift):\n" + "\n".join(
                    _line(d, why=True) for d in case.limits
                )
        suites = ElementTree.Element(
            "testsuites",
            name="presence-mock drift",
            tests=str(len(self.cases)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
        )
        suites.append(suite)
        return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True)


def _grouped(found: list[Difference]) -> list[str]:
    lines: list[str] = []
    for operation in sorted({d.operation for d in found}):
        lines.append(f"\n{operation}")
        for d in (d for d in found if d.operation == operation):
            times = f" (x{d.count})" if d.count > 1 else ""
            lines.append(f"  {_line(d)}{times}")
            lines.append(f"            e.g. {d.example}")
            if d.reason is not None:
                lines.append(f"            why: {d.reason}")
    return lines


def _line(d: Difference, why: bool = False) -> str:
    text = f"{d.kind:<9} {d.where}: real {_shown(d.real)}, emulator {_shown(d.emulator)}"
    return f"{text} ({d.reason})" if why and d.reason is not None else text


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list | set | tuple):
        return ", ".join(sorted(str(v) for v in value)) or "none"
    return str(value)
