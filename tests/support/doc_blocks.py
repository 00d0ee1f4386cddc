"""The fenced code blocks of the README and the docs, found by pattern (a new page is picked up
as soon as it exists), and a bash session that runs a page's blocks in order against a live
`serve` (tests/e2e/test_docs_blocks.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import REPO

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```|~~~)(?P<language>[^\s`]*)[^\n]*$")
RUN = ("sh", "bash", "python")  # run against the live server
PARSED = ("json", "yaml", "yml", "toml", "ini")  # parsed (and checked against a schema if any)
SHOWN = ("text",)  # what a command prints, shown, not run
LANGUAGES = RUN + PARSED + SHOWN
DEFAULT_ADDRESSES = ("127.0.0.1:8080", "localhost:8080")


@dataclass(frozen=True)
class Block:
    page: str  # relative to the repository, e.g. docs/calls.md
    line: int  # of the opening fence
    language: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def first_line(self) -> str:
        """The block's first line that is not blank: what names it in a list of exceptions."""
        return next((line.strip() for line in self.code.splitlines() if line.strip()), "")


def pages(root: Path = REPO) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def blocks(page: Path, root: Path = REPO) -> list[Block]:
    """Every fenced block of `page`, in order (an indented fence, in a list item, too)."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    where = page.relative_to(root).as_posix()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        body: list[str] = []
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            body.append(lines[end][indent:] if lines[end][:indent].isspace() else lines[end])
            end += 1
        code = "\n".join(body) + "\n"
        found.append(Block(where, index + 1, opening["language"].lower(), code))
        index = end + 1
    return found


def every_block(root: Path = REPO) -> list[Block]:
    return [block for page in pages(root) for block in blocks(page, root)]


# A `presence-mock serve` of a block (the document's server is started again with its options on
# the session's port, on loopback; a trailing `&` is dropped: the server always runs beside the
# session, which waits until it answers).
_SERVE_IN_BACKGROUND = re.compile(r"^(\s*presence-mock serve\b[^&#\n]*?)\s*&\s*(#.*)?$", re.M)

PREAMBLE = r"""set -euo pipefail
_SERVE_PID=""
_serve() {
  if [ -n "$_SERVE_PID" ]; then
    kill "$_SERVE_PID" 2>/dev/null || true
    wait "$_SERVE_PID" 2>/dev/null || true
  fi
  command presence-mock serve "$@" --host 127.0.0.1 --port "$_PORT" >>"$_LOG" 2>&1 &
  _SERVE_PID=$!
  for _ in $(seq 150); do
    if curl -fs -o /dev/null "http://127.0.0.1:$_PORT/_mock/health"; then return 0; fi
    kill -0 "$_SERVE_PID" 2>/dev/null || { echo "serve $* stopped: see $_LOG" >&2; return 1; }
    sleep 0.2
  done
  echo "serve $* never answered: see $_LOG" >&2
  return 1
}
presence-mock() {
  if [ "${1-}" = serve ]; then shift; _serve "$@"; else command presence-mock "$@"; fi
}
# At the end, the server and whatever a block left running in the background (a receiver).
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
_serve
"""


def script(chosen: list[Block], port: int) -> str:
    """One bash session: the document's server on `port`, then each chosen block in order (a
    python block written to a file and run, under pytest when it defines test functions)."""
    parts = [PREAMBLE]
    for number, block in enumerate(chosen):
        code = block.code
        for address in DEFAULT_ADDRESSES:
            code = code.replace(address, f"127.0.0.1:{port}")
        parts.append(f'echo "\n>>> {block.name} ($SECONDS s)"')
        if block.language in ("sh", "bash"):
            parts.append(_SERVE_IN_BACKGROUND.sub(r"\1 \2", code))
            continue
        test = re.search(r"^def test_", code, re.M) is not None
        file = f"block_{number}_test.py" if test else f"block_{number}.py"
        marker = f"PYTHON_BLOCK_{number}"
        parts.append(f"cat > {file} <<'{marker}'\n{code}{marker}")
        if test:
            parts.append(f'timeout 120 "$PYTHON" -m pytest -q -p no:cacheprovider {file}')
        else:
            parts.append(f'timeout 120 "$PYTHON" {file}')
    return "\n".join(parts) + "\n"
