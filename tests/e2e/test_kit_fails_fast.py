"""The kit stops at once, with one clear line and exit 2, when the target cannot be judged: no
server on the port, a server that is no RingCentral API, or a login refused (another seed);
`presence-mock contract` reads the PRESENCE_MOCK_ twins its --help promises."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.live_server import COMMAND, free_port, serving


def contract(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RINGCENTRAL_", "PRESENCE_"))}
    return subprocess.run(
        [COMMAND, "contract", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **(env or {})},
    )


def assert_one_clear_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    for needle in needles:
        assert output.count(needle) == 1, output
    # not one pytest error per case: no "ERROR at setup", no "33 errors"
    assert "ERROR" not in output and " errors" not in output, output
    assert "passed" not in output and "failed" not in output, output
    # pytest's own machinery is no part of the message
    assert "_pytest." not in output and "!!!" not in output and "Exit" not in output, output


def test_an_unreachable_target_is_one_line():
    url = f"http://127.0.0.1:{free_port()}"
    done = contract("--target", url)
    assert_one_clear_error(done, f"cannot reach {url} (connection refused)")


def test_the_target_twin_is_read():
    url = f"http://127.0.0.1:{free_port()}"
    done = contract(env={"PRESENCE_MOCK_TARGET": url})
    assert_one_clear_error(done, f"cannot reach {url}")


class _NotRingCentral(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html>hello</html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def web_page() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotRingCentral)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_is_not_ringcentral_is_one_line(web_page):
    done = contract("--target", web_page)
    assert_one_clear_error(done, "is this a RingCentral API base URL")


def test_another_seed_is_one_line_with_the_hint(tmp_path):
    with serving(tmp_path, "--workers", "1", "--seed", "7") as url:
        done = contract("--target", url)
    assert_one_clear_error(
        done, "the login was refused: 400 invalid_grant", "another --seed or --fixture"
    )


def test_the_same_through_pytest(pytester: pytest.Pytester):
    url = f"http://127.0.0.1:{free_port()}"
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "presence_mock_kit",
        "-p",
        "no:cacheprovider",
        "--presence-target",
        url,
        "--presence-client-id",
        "a",
        "--presence-client-secret",
        "b",
        "--presence-jwt",
        "c",
    )
    assert result.ret == 2
    output = result.stdout.str()
    assert output.count("cannot reach") == 1 and "ERROR" not in output, output
    assert "_pytest." not in output and "!!!" not in output, output


def test_contract_command_fails_without_credentials_for_a_remote_target():
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCENTRAL_")}
    done = subprocess.run(
        [COMMAND, "contract", "--target", f"http://192.0.2.1:{free_port()}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "RINGCENTRAL_CLIENT_ID" in output
    # the command's own flags, not the pytest option names
    assert "--client-id/--client-secret/--jwt" in output and "--presence-" not in output, output
    assert "_pytest." not in output, output


@pytest.mark.parametrize(
    ("target", "said"),
    [
        (
            "127.0.0.1:8080",
            "expected a URL starting with http:// or https:// (e.g. http://127.0.0.1:8080)",
        ),
        ("http://127.0.0.1:8080/restapi/v1.0", "without a path (http://127.0.0.1:8080)"),
        ("ftp://127.0.0.1:8080", "expected a URL starting with http:// or https://"),
        ("http://127.0.0.1:port", "not a URL"),
    ],
)
def test_a_target_that_is_no_base_url_is_one_line_before_anything_runs(target, said):
    done = contract("--url", target)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"presence-mock: --url {target}: " + done.stderr.split(": ", 2)[2].strip()
    ]
    assert said in done.stderr
    assert "credentials" not in done.stderr and "--seed" not in done.stderr


def test_a_target_with_a_path_is_refused_by_the_pytest_option_too(pytester: pytest.Pytester):
    result = pytester.runpytest_subprocess(
        "--pyargs", "presence_mock_kit", "-p", "no:cacheprovider",
        "--presence-target", "http://127.0.0.1:9/restapi/v1.0",
    )  # fmt: skip
    assert result.ret == 2
    output = result.stdout.str()
    assert "--presence-target http://127.0.0.1:9/restapi/v1.0: give the server's base URL" in output
    assert "_pytest." not in output and "!!!" not in output and "credentials" not in output


def test_an_unknown_surface_is_one_line():
    done = contract("--surface", "presence,queus")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "presence-mock: --surface presence,queus: unknown surface queus; expected a "
        "comma-separated list of presence, queues, unified, directory, calls, subscriptions "
        "(or all)"
    ]
