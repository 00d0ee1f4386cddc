"""The pytest11 entry point of the kit: only its command-line options.

pytest loads this module in every run wherever the package is installed, so it adds options and
nothing else; the cases, fixtures and summary live in the package and load only when it is
collected (`pytest --pyargs presence_mock_kit`). Every option is prefixed `--presence-` so that
it cannot collide with another plugin's `--target`, and the package is not called
`contract_tests`, a name other projects give their own tests (docs/decisions.md).
"""

from __future__ import annotations

import argparse

import pytest

# The options `presence-mock contract` has flags of its own for (the rest go after `--`).
COMMAND_FLAGS = {"target", "client-id", "client-secret", "jwt", "allow-writes", "pace", "surface"}
SURFACE_NAMES = "presence, queues, unified, directory, calls, subscriptions"
ENV = {
    "target": "RINGCENTRAL_SERVER_URL",
    "client_id": "RINGCENTRAL_CLIENT_ID",
    "client_secret": "RINGCENTRAL_CLIENT_SECRET",
    "jwt": "RINGCENTRAL_JWT",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("presence contract", "presence contract-test kit (presence_mock_kit)")
    group.addoption(
        "--presence-target",
        help="inprocess, or the server's base URL (env RINGCENTRAL_SERVER_URL; default inprocess)",
    )
    group.addoption("--presence-client-id", help="app client ID (env RINGCENTRAL_CLIENT_ID)")
    group.addoption(
        "--presence-client-secret", help="app client secret (env RINGCENTRAL_CLIENT_SECRET)"
    )
    group.addoption("--presence-jwt", help="user JWT credential (env RINGCENTRAL_JWT)")
    group.addoption(
        "--presence-allow-writes",
        action="store_true",
        help="run the PUT round trip (each PUT is followed by restoring what was there)",
    )
    group.addoption(
        "--presence-webhook-url",
        help="the public URL that reaches the kit's WebHook receiver (for a target that cannot "
        "reach loopback, e.g. the sandbox behind a tunnel); default: the receiver's own "
        "http://127.0.0.1 URL",
    )
    group.addoption(
        "--presence-webhook-port",
        type=int,
        default=0,
        help="the port the kit's WebHook receiver listens on (default: a free one)",
    )
    group.addoption(
        "--presence-surface",
        metavar="LIST",
        help=f"judge only these parts of the API, comma-separated: {SURFACE_NAMES} "
        "(default: all); the summary names what was left out",
    )
    # Set by `presence-mock contract`, so messages name its flags rather than pytest's.
    group.addoption("--presence-as-command", action="store_true", help=argparse.SUPPRESS)
    group.addoption(
        "--presence-pace",
        choices=("auto", "on", "off"),
        default="auto",
        help="space calls to stay inside the platform's rate limits "
        "(auto: off for inprocess and loopback targets, on otherwise)",
    )


def flag(config: pytest.Config, name: str) -> str:
    """How the person running the kit spells option `name` (e.g. "allow-writes"): the command's
    flag under `presence-mock contract`, else the pytest option; a pytest-only option under the
    command is given after `--`."""
    if config.getoption("presence_as_command", False):
        return f"--{name}" if name in COMMAND_FLAGS else f"-- --presence-{name}"
    return f"--presence-{name}"
