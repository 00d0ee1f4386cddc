"""Every relative link of the README and the docs resolves: the file exists and, where the link
names an anchor, the target page has it (a heading's slug, as GitHub makes it, or an
`<a id="...">`). Links inside code blocks are code, not links, and are left alone. Pages are
found by pattern, so a new page is checked as soon as it exists (decision DOCS-3)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tests.support.paths import REPO

PAGES = sorted([REPO / "README.md", REPO / "ARCHITECTURE.md", *(REPO / "docs").glob("*.md")])
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ANCHOR_TAG = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


def prose_lines(page: Path) -> list[tuple[int, str]]:
    """(line number, line) of the page outside its fenced code blocks."""
    found, fenced = [], False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            found.append((number, line))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped (hyphens and
    underscores kept), each space a hyphen."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its words
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in prose_lines(page):
        found.update(ANCHOR_TAG.findall(line))
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def targets(page: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in prose_lines(page):
        without_code = re.sub(r"`[^`]*`", "", line)
        found += [(number, t) for t in LINK.findall(without_code)]
        found += [(number, t) for t in REFERENCE.findall(line)]
    return found


def broken(page: Path, root: Path = REPO) -> list[str]:
    offenders = []
    for number, target in targets(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("<", "/")):
            continue  # https:, mailto:, a path on the server (/_mock/board)
        file_part, _, anchor = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        where = f"{page.relative_to(root)}:{number}: {target}"
        if not resolved.exists():
            offenders.append(f"{where} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            offenders.append(f"{where} (no such anchor in {resolved.relative_to(root)})")
    return offenders


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    offenders = broken(page)
    assert not offenders, "broken links:\n" + "\n".join(offenders)


def test_the_checker_finds_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        '# Title\n\n## Two words: `code`\n\n<a id="own"></a>\n'
        "[ok](#two-words-code) [ok](#own) [ok](b.md#b) [bad](#nope) [bad](docs/b.md)\n"
        "```sh\n[not a link](missing.md)\n```\n"
    )
    (tmp_path / "b.md").write_text("# B\n")
    page = tmp_path / "a.md"
    assert "missing.md" not in [t for _, t in targets(page)]
    assert broken(page, tmp_path) == [
        "a.md:6: #nope (no such anchor in a.md)",
        "a.md:6: docs/b.md (no such file)",
    ]
