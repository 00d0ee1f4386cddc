"""Secrets kept off the command line, on a live `serve`: the controls token is read from a file
and `ps` does not show it."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.support.live_server import COMMAND, free_port, running

TOKEN = "a-controls-token-kept-in-a-file-42"


def test_serve_reads_the_controls_token_from_a_file_and_ps_does_not_show_it(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN)
    port = free_port()
    command = [COMMAND, "serve", "--port", str(port), "--controls", "token"]
    command += ["--controls-token-file", str(path)]
    with running(command, port, tmp_path) as url:
        assert requests.get(url + "/_mock/clock", timeout=5).status_code == 401
        headers = {"Authorization": f"Bearer {TOKEN}"}
        assert requests.get(url + "/_mock/clock", headers=headers, timeout=5).status_code == 200
        # What `ps` shows of every process of this test run: no token.
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                assert TOKEN.encode() not in cmdline.read_bytes()
            except OSError:
                continue
