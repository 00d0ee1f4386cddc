"""The repository explains itself: every reference in its code and docs resolves inside it.

Three checks over the text files of the product, the kit, the tests and the docs:
- no ticket number and no section of a document the repository does not contain: a rule is
  stated in plain words or points to docs/contract.md#<anchor> or a decision ID of
  docs/decisions.md (history lives in git and CHANGELOG.md);
- every repository file a comment, docstring or doc names exists (paths that start with one of
  the repository's top-level folders and end in a file extension, `python -m` modules, and the
  relative links of the Markdown files);
- every docs/contract.md anchor and every decision ID cited anywhere exists.
Each failure lists file:line of every offender.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.support.paths import REPO

ROOT = REPO
SCANNED = ("mockserver", "presence_mock_kit", "tests", "docs", "README.md", "ARCHITECTURE.md")
SKIPPED_DIRS = {"__pycache__", "node_modules", ".venv", ".git", ".pytest_cache", ".mypy_cache"}
TOP_FOLDERS = (
    "mockserver",
    "presence_mock_kit",
    "tests",
    "docs",
    "fixtures",
    "schemas",
    "spec",
    "tools",
    "bench",
)
EXTENSIONS = (
    "py|md|json|yaml|yml|js|mjs|css|html|toml|txt|png|sh|tsv|csv|cfg|ini|lock|sql|lua|jsonl"
)

# Built from pieces, so this file does not match its own pattern.
_TICKET = "iss" + "ue ?[0-9]+"
_OUTSIDE = "|".join(
    (
        "pa" + r"rt [ab]\.[0-9]",
        "pa" + "rt [ab] §",
        "presence" + "-more",
        "plan" + " seam",
    )
)
CITATION = re.compile(f"{_TICKET}|{_OUTSIDE}", re.IGNORECASE)

# `mockserver/web/app.py`, "see docs/contract.md#paging": a path from the repository root.
REPO_PATH = re.compile(
    r"(?<![\w./~$-])((?:" + "|".join(TOP_FOLDERS) + r")/[\w./-]*?\.(?:" + EXTENSIONS + r"))"
    r"(?![\w/-])(#[\w-]+)?"
)
MODULE_RUN = re.compile(r"python3? -m ((?:mockserver|presence_mock_kit|bench|tools)[\w.]*)")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# A decision ID as cited: EVT-13, CALL-7, PRES-1 ... (the prefixes of docs/decisions.md).
DECISION_ID = re.compile(r"\b([A-Z]{2,6})-([0-9]{1,3})\b")


def _files() -> Iterator[Path]:
    for name in SCANNED:
        top = ROOT / name
        if top.is_file():
            yield top
            continue
        for path in sorted(top.rglob("*")):
            if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
                yield path


@cache
def _text(path: Path) -> str | None:
    """The file's text, or None for a binary file."""
    raw = path.read_bytes()
    if b"\0" in raw[:8192]:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _lines() -> Iterator[tuple[str, int, str]]:
    """(relative path, line number, line) of every text file scanned."""
    for path in _files():
        text = _text(path)
        if text is None:
            continue
        where = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(text.splitlines(), 1):
            yield where, number, line


@cache
def _python_prose(text: str) -> Iterator[tuple[int, str]]:
    """The comments and triple-quoted strings (docstrings) of Python source, line by line."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        yield from enumerate(text.splitlines(), 1)
        return
    for token in tokens:
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
        elif token.type == tokenize.STRING and token.string.lstrip("rRbBuUfF")[:3] in (
            '"""',
            "'''",
        ):
            for offset, line in enumerate(token.string.splitlines()):
                yield token.start[0] + offset, line


def _markdown_prose(text: str) -> Iterator[tuple[int, str]]:
    """The lines of Markdown outside fenced code blocks (examples of output name sample files)."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield number, line


def _prose() -> Iterator[tuple[str, int, str]]:
    """(relative path, line number, text) of what explains: comments, docstrings and docs."""
    for path in _files():
        text = _text(path)
        if text is None:
            continue
        where = path.relative_to(ROOT).as_posix()
        if path.suffix == ".py":
            lines = _python_prose(text)
        elif path.suffix == ".md":
            lines = _markdown_prose(text)
        else:
            lines = enumerate(text.splitlines(), 1)
        for number, line in lines:
            yield where, number, line


@cache
def _anchors() -> frozenset[str]:
    """The anchors of docs/contract.md: its `<a id="...">` tags."""
    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    return frozenset(re.findall(r'<a id="([\w-]+)"></a>', text))


@cache
def _decisions() -> frozenset[str]:
    """The IDs docs/decisions.md defines: each written in bold where its record starts."""
    text = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    return frozenset(re.findall(r"\*\*([A-Z]{2,6}-[0-9]{1,3})\*\*", text))


@cache
def _prefixes() -> frozenset[str]:
    return frozenset(found.split("-")[0] for found in _decisions())


def _report(title: str, offenders: list[str]) -> str:
    shown = "\n".join(offenders)
    return f"{len(offenders)} {title}:\n{shown}"


def test_no_ticket_numbers_or_outside_sections() -> None:
    offenders = [
        f"{where}:{number}: {line.strip()[:120]}"
        for where, number, line in _lines()
        if CITATION.search(line)
    ]
    assert not offenders, _report(
        "citations of tickets or of documents outside the repository (state the rule, or cite "
        "docs/contract.md#<anchor> or a decision ID)",
        offenders,
    )


def _markdown_target(source: Path, target: str) -> tuple[Path, str] | None:
    """The file and anchor a relative Markdown link points to, or None for other links."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("<"):
        return None  # https:, mailto: ...
    file_part, _, anchor = target.partition("#")
    if not file_part:
        return source, anchor
    return (source.parent / file_part).resolve(), anchor


def test_named_files_exist() -> None:
    offenders: list[str] = []
    for where, number, line in _prose():
        source = ROOT / where
        for found in REPO_PATH.finditer(line):
            if not (ROOT / found.group(1)).exists():
                offenders.append(f"{where}:{number}: {found.group(1)}")
        if source.suffix != ".md":
            continue
        for found in MARKDOWN_LINK.finditer(line):
            resolved = _markdown_target(source, found.group(1))
            if resolved is not None and not resolved[0].exists():
                offenders.append(f"{where}:{number}: link {found.group(1)}")
    for where, number, line in _lines():
        for found in MODULE_RUN.finditer(line):
            module = ROOT / found.group(1).rstrip(".").replace(".", "/")
            if not (module.with_suffix(".py").is_file() or (module / "__main__.py").is_file()):
                offenders.append(f"{where}:{number}: python -m {found.group(1)}")
    assert not offenders, _report("names of files that do not exist", offenders)


def _cited_anchors(where: str, line: str) -> Iterator[str]:
    for found in REPO_PATH.finditer(line):
        if found.group(1) == "docs/contract.md" and found.group(2):
            yield found.group(2)[1:]
    if where.endswith(".md"):
        for found in MARKDOWN_LINK.finditer(line):
            resolved = _markdown_target(ROOT / where, found.group(1))
            if (
                resolved is not None
                and resolved[0] == ROOT / "docs" / "contract.md"
                and resolved[1]
            ):
                yield resolved[1]
    # A short form after a full one on the same line: "docs/contract.md#queues, #directory".
    if "contract.md#" in line:
        for found in re.finditer(r"(?<![\w/.)\]])#([a-z][\w-]+)", line):
            if not line[: found.start()].rstrip().endswith(("(", "[")):
                yield found.group(1)


def test_cited_anchors_and_decisions_exist() -> None:
    anchors, decisions, prefixes = _anchors(), _decisions(), _prefixes()
    offenders: list[str] = []
    for where, number, line in _lines():
        for anchor in _cited_anchors(where, line):
            if anchor not in anchors:
                offenders.append(f"{where}:{number}: docs/contract.md#{anchor}")
        for found in DECISION_ID.finditer(line):
            if found.group(1) in prefixes and found.group(0) not in decisions:
                offenders.append(f"{where}:{number}: decision {found.group(0)}")
    assert not offenders, _report("citations of anchors or decisions that do not exist", offenders)
