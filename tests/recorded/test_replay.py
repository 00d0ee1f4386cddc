"""The corpus of the platform's recorded answers, replayed against the emulator field by field
(docs/recorded.md). Every divergence is fixed or accepted by a decision of docs/decisions.md
that the entry names; a divergence nobody decided on fails, and so does a decision an entry
names for a divergence that no longer happens."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from mockserver.operations import API, OAUTH, SUBSCRIPTIONS
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.live_server import free_port
from tests.support.paths import REPO
from tests.support.recorded import (
    SCHEMA,
    Emulators,
    Entry,
    compare,
    decision_ids,
    entries,
    replay,
)

CORPUS = entries()
DOC = REPO / "docs" / "recorded.md"
# Operations a client never calls on its own: the trailing-slash twin of createSubscription.
TWINS = frozenset({"createSubscriptionSlash"})
# The codes the emulator answers with: every quoted code in its source, and the logical ones.
CODE = re.compile(r'"((?:CMN|OAU|AGW|PRS|SUB|WSG)-\d+)"')
LOGICAL = ("InvalidMultipartRequest", "InsufficientPermissions")


@pytest.fixture(scope="module")
def emulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulators]:
    with WebhookReceiver() as hook, WebhookReceiver() as silent:
        silent.echo = False
        closed = f"http://127.0.0.1:{free_port()}/hook"
        yield Emulators(tmp_path_factory.mktemp("recorded"), hook.url, silent.url, closed)


def divergences(emulators: Emulators, entry: Entry) -> dict[str, str]:
    answer = replay(emulators, entry)
    return compare(entry, answer.status, answer.headers, answer.body).examples


def test_every_entry_follows_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    for entry in CORPUS:
        jsonschema.validate(entry.data, schema)
        assert entry.path.stem == entry.id


@pytest.mark.parametrize("entry", CORPUS, ids=[e.id for e in CORPUS])
def test_the_emulator_answers_as_recorded(emulators: Emulators, entry: Entry) -> None:
    found = divergences(emulators, entry)
    declared = entry.declared
    undecided = {k: v for k, v in found.items() if k not in declared}
    stale = sorted(set(declared) - set(found))
    assert undecided == {}, f"{entry.id}: divergences no decision accepts"
    assert stale == [], f"{entry.id}: declared divergences that no longer happen"
    unknown = sorted(set(declared.values()) - decision_ids())
    assert unknown == [], f"{entry.id}: decisions docs/decisions.md does not define"


def test_every_operation_has_a_recorded_entry() -> None:
    served = {o.endpoint for o in (*API, *SUBSCRIPTIONS, *OAUTH)} - TWINS
    covered = {e.operation for e in CORPUS}
    assert sorted(served - covered) == []


def emitted_codes() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "mockserver").rglob("*.py"):
        found |= set(CODE.findall(path.read_text()))
    return found | set(LOGICAL)


def test_every_error_code_the_emulator_emits_has_a_recorded_entry() -> None:
    recorded = set().union(*(e.error_codes() for e in CORPUS))
    assert sorted(emitted_codes() - recorded) == []


def figures(emulators: Emulators) -> tuple[int, int, int, int]:
    """Entries, entries answered exactly, entries that differ only where decided, and the
    number of decided divergences."""
    exact = decided = count = 0
    for entry in CORPUS:
        found = divergences(emulators, entry)
        if not found:
            exact += 1
        elif set(found) <= set(entry.declared):
            decided += 1
            count += len(found)
    return len(CORPUS), exact, decided, count


def coverage_line(total: int, exact: int, decided: int, count: int) -> str:
    return (
        f"The corpus holds **{total}** recorded entries: **{exact}** replay exactly, "
        f"**{decided}** differ only where a decision says so (**{count}** decided "
        f"divergences), **{total - exact - decided}** fail."
    )


def test_the_coverage_line_in_the_docs_is_the_measured_one(emulators: Emulators) -> None:
    line = coverage_line(*figures(emulators))
    text = Path(DOC).read_text()
    assert line in text, f"docs/recorded.md should say: {line}"
