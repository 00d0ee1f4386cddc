"""`presence-mock contract`: run the contract-test kit (`contract_tests`) through pytest."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from urllib.parse import urlsplit

MISSING = (
    "presence-mock contract needs pytest, requests and responses: "
    "pip install 'presence-mock[contract]'"
)
ENV = {
    "client_id": "RINGCENTRAL_CLIENT_ID",
    "client_secret": "RINGCENTRAL_CLIENT_SECRET",
    "jwt": "RINGCENTRAL_JWT",
}


def run_contract(args: argparse.Namespace, demo: dict[str, str]) -> int:
    """Exit 0 only when the target conforms (pytest's own exit status otherwise)."""
    try:
        import pytest
        import requests  # noqa: F401
        import responses  # noqa: F401
    except ImportError:
        print(MISSING, file=sys.stderr)
        return 2
    target = args.target or os.environ.get("RINGCENTRAL_SERVER_URL") or "inprocess"
    given = {name: getattr(args, name) or os.environ.get(env) for name, env in ENV.items()}
    if not all(given.values()) and _is_loopback(target):
        # An emulator on this machine: its demo login, for the same seed or fixture.
        keys = {"client_id": "clientId", "client_secret": "clientSecret", "jwt": "jwt"}
        given = {name: value or demo[keys[name]] for name, value in given.items()}
        print("presence-mock contract: using the emulator's demo credentials", file=sys.stderr)
    # Secrets travel in the environment, never on a command line a process list could show.
    for name, value in given.items():
        if value:
            os.environ[ENV[name]] = value
    argv = ["--pyargs", "contract_tests", "-p", "no:cacheprovider", "-q", "-rfE"]
    # faker (a pytest plugin too) is already imported for the demo credentials: not a problem.
    argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    argv += ["--presence-target", target, "--presence-pace", args.pace]
    if args.allow_writes:
        argv.append("--presence-allow-writes")
    return int(pytest.main(argv))


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
