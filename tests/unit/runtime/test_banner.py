"""serve's banner: where the API, the gateway and the board are, by a name a browser on this
machine reaches (`localhost` for a wildcard address), the gateway where clients reach it
(`--gateway-public-url` when set), and how to log in."""

from __future__ import annotations

from mockserver.config import Settings
from mockserver.runtime.serve import banner


def test_a_wildcard_host_is_shown_as_localhost_and_the_public_gateway_url_is_used() -> None:
    settings = Settings(
        host="0.0.0.0", port=8080, gateway_port=8081, gateway_public_url="ws://localhost:18081"
    )
    text = "\n".join(banner(settings, "9.9", scratch=False))
    assert "serving on http://0.0.0.0:8080" in text  # what it listens on
    assert "REST API: http://localhost:8080/restapi/v1.0" in text
    assert "gateway: ws://localhost:18081/ws, events at http://localhost:18081/_mock/stream" in text
    assert "board: http://localhost:8080/" in text
    assert "presence-mock credentials --url http://localhost:8080" in text


def test_no_board_line_without_the_board_and_the_chaos_rules_with_their_seed() -> None:
    settings = Settings(port=9000, gateway_port=9001, board=False, fault="503:rate=5%")
    lines = banner(settings, "9.9", scratch=True)
    assert not [line for line in lines if "board:" in line]
    assert "sharing a scratch store" in lines[0]
    assert lines[-1] == "presence-mock: chaos rules 503:rate=5% (seed 20261121)"


def test_a_default_gateway_port_that_was_taken_is_said_after_the_gateway_line() -> None:
    settings = Settings(port=9000, gateway_port=41234)
    lines = banner(settings, "9.9", scratch=False, gateway_moved_from=9001)
    [at] = [i for i, line in enumerate(lines) if line.startswith("presence-mock gateway:")]
    assert "ws://127.0.0.1:41234/ws" in lines[at]
    assert lines[at + 1] == (
        "presence-mock: port 9001 (the default gateway port) is taken: the gateway took a free one"
    )
