"""`presence-mock coverage`: what a client's test run exercised, from the request journal.

Per operation of the route table (the API and the token endpoints): how often it was called,
the status codes and error codes it answered, the faults injected, and which of its options
were used: the view flags `detailedTelephonyState` and `sipData` (true), paging (`page`,
`perPage`), a batch of several IDs; and the event filters of subscriptions, where a journal
entry carries them (`eventFilters`, written by the subscriptions API when it exists). Printed
as a table; written as JSON or as JUnit XML (one test case per item, `skipped` when never
exercised) for CI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from mockserver.operations import API, FLAGS, OAUTH, PAGING, Operation, match

COVERED = (*API, *OAUTH)


@dataclass
class OperationCoverage:
    operation: Operation
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    error_codes: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    options: dict[str, int] = field(default_factory=dict)  # option -> calls that used it

    def possible(self) -> list[str]:
        """The options this operation has, each an item of coverage."""
        found = []
        query = self.operation.query or frozenset()
        found += [f"{flag}=true" for flag in FLAGS if flag in query]
        found += sorted(name for name in PAGING if name in query)
        if self.operation.batch:
            found.append("batch")
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation.endpoint,
            "method": self.operation.method,
            "calls": self.calls,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errorCodes": dict(sorted(self.error_codes.items())),
            "faults": dict(sorted(self.faults.items())),
            "options": {name: self.options.get(name, 0) for name in self.possible()},
        }


@dataclass
class Coverage:
    operations: dict[str, OperationCoverage]
    event_filters: dict[str, int] = field(default_factory=dict)
    unmatched: int = 0  # journal entries naming no operation (unknown routes)

    def items(self) -> list[tuple[str, bool]]:
        """Every coverage item (an operation, or one of its options) and whether it was used."""
        found: list[tuple[str, bool]] = []
        for name, seen in self.operations.items():
            found.append((name, seen.calls > 0))
            found += [
                (f"{name} {option}", seen.options.get(option, 0) > 0) for option in seen.possible()
            ]
        found += [(f"event filter {name}", True) for name in sorted(self.event_filters)]
        return found

    def ratio(self) -> float:
        items = self.items()
        return sum(1 for _, used in items if used) / len(items) if items else 1.0

    def to_dict(self) -> dict[str, Any]:
        items = self.items()
        return {
            "covered": sum(1 for _, used in items if used),
            "items": len(items),
            "percent": round(100 * self.ratio(), 1),
            "operations": [seen.to_dict() for seen in self.operations.values()],
            "eventFilters": dict(sorted(self.event_filters.items())),
            "unmatched": self.unmatched,
            "missing": [name for name, used in items if not used],
        }

    def table(self) -> str:
        rows = [
            ("operation", "calls", "statuses", "error codes", "options used", "options never used")
        ]
        for name, seen in self.operations.items():
            used = [o for o in seen.possible() if seen.options.get(o)]
            unused = [o for o in seen.possible() if not seen.options.get(o)]
            rows.append(
                (
                    name,
                    str(seen.calls) if seen.calls else "-",
                    " ".join(f"{k}x{v}" for k, v in sorted(seen.statuses.items())) or "-",
                    " ".join(sorted(seen.error_codes)) or "-",
                    " ".join(used) or "-",
                    " ".join(unused) or "-",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        items = self.items()
        covered = sum(1 for _, used in items if used)
        lines.append(f"\ncoverage: {covered} of {len(items)} items ({100 * self.ratio():.1f}%)")
        if self.event_filters:
            lines.append("event filters: " + ", ".join(sorted(self.event_filters)))
        return "\n".join(lines)

    def junit(self) -> str:
        items = self.items()
        suite = ElementTree.Element(
            "testsuite",
            name="presence-mock coverage",
            tests=str(len(items)),
            skipped=str(sum(1 for _, used in items if not used)),
            failures="0",
            errors="0",
        )
        for name, used in items:
            operation = name.split(" ")[0]
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"coverage.{operation}", name=name
            )
            if not used:
                ElementTree.SubElement(case, "skipped", message="never exercised")
        suites = ElementTree.Element("testsuites")
        suites.append(suite)
        return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True)


def coverage_of(entries: list[dict[str, Any]]) -> Coverage:
    """Coverage from journal entries (`GET /_mock/requests`, oldest first)."""
    found = Coverage({op.endpoint: OperationCoverage(op) for op in COVERED})
    for entry in entries:
        matched = match(str(entry.get("method", "")), str(entry.get("path", "")))
        if matched is None or matched[0].endpoint not in found.operations:
            found.unmatched += 1
            continue
        operation, params = matched
        seen = found.operations[operation.endpoint]
        seen.calls += 1
        status = int(entry.get("status", 0))
        seen.statuses[status] = seen.statuses.get(status, 0) + 1
        code = entry.get("errorCode")
        if isinstance(code, str):
            seen.error_codes[code] = seen.error_codes.get(code, 0) + 1
        fault = entry.get("fault")
        if isinstance(fault, str):
            seen.faults[fault] = seen.faults.get(fault, 0) + 1
        for option in _options(operation, params, entry.get("query") or {}):
            seen.options[option] = seen.options.get(option, 0) + 1
        for name in entry.get("eventFilters") or ():
            found.event_filters[str(name)] = found.event_filters.get(str(name), 0) + 1
    return found


def _options(
    operation: Operation, params: dict[str, str], query: dict[str, list[str]]
) -> list[str]:
    used = [
        f"{flag}=true" for flag in FLAGS if any(v.lower() == "true" for v in query.get(flag, ()))
    ]
    used += [name for name in PAGING if name in query]
    if operation.batch and "," in params.get("extension", ""):
        used.append("batch")
    return used


def write_json(coverage: Coverage) -> str:
    return json.dumps(coverage.to_dict(), indent=2)
