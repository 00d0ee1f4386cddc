"""`presence-mock contract`: run the contract-test kit (`presence_mock_kit`) through pytest.

Each option reads, in order: its flag, its PRESENCE_MOCK_ twin (as `--help` promises), then for
the login the RINGCENTRAL_* variables the SDKs use, then the default. The server is `--url`, read
as every client command reads it (cli/server_url.py), then the older PRESENCE_MOCK_TARGET; with
none of them the kit runs against the emulator in process (`inprocess`).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from mockserver.cli.server_url import given_url
from mockserver.config import ENV_PREFIX, ConfigError, parse_bool
from presence_mock_kit.targets import target_problem

MISSING = (
    "presence-mock contract needs pytest, requests and responses: "
    "pip install pytest requests responses (from a clone: pip install -e '.[contract]')"
)
PACES = ("auto", "on", "off")
INPROCESS = "inprocess"
# The twins of the login, after PRESENCE_MOCK_<NAME>.
RINGCENTRAL = {
    "client_id": "RINGCENTRAL_CLIENT_ID",
    "client_secret": "RINGCENTRAL_CLIENT_SECRET",
    "jwt": "RINGCENTRAL_JWT",
}
OPTIONS = ("target", "client_id", "client_secret", "jwt", "allow_writes", "pace", "surface")
CONTRACT_VARIABLES = [ENV_PREFIX + name.upper() for name in OPTIONS]


@dataclass(frozen=True)
class ContractOptions:
    target: str
    client_id: str | None
    client_secret: str | None
    jwt: str | None
    allow_writes: bool
    pace: str
    surface: str | None = None  # comma-separated surface names; None: all
    pytest_args: tuple[str, ...] = ()  # what followed `--`, for pytest


def contract_options(args: argparse.Namespace, environ: Mapping[str, str]) -> ContractOptions:
    def given(name: str) -> str | None:
        flag = getattr(args, name)
        if flag is not None:
            return str(flag)
        return environ.get(ENV_PREFIX + name.upper()) or environ.get(RINGCENTRAL.get(name, ""))

    pace = given("pace") or "auto"
    if pace not in PACES:
        raise ConfigError(f"{ENV_PREFIX}PACE {pace!r}: expected one of {', '.join(PACES)}")
    writes = args.allow_writes
    if writes is None:
        raw = environ.get(ENV_PREFIX + "ALLOW_WRITES")
        writes = parse_bool(ENV_PREFIX + "ALLOW_WRITES", raw) if raw is not None else False
    url = given_url(args, environ, checked=False)  # judged by the kit's own rule, below
    older = (environ.get(ENV_PREFIX + "TARGET") or INPROCESS, ENV_PREFIX + "TARGET")
    target, source = url if url is not None else older
    problem = target_problem(target, source)
    if problem:
        raise ConfigError(problem)
    surface = given("surface")
    try:  # here, not at the top: the surfaces are the kit's checks, which import pytest
        from presence_mock_kit.surfaces import parse_surfaces
    except ImportError:  # the contract extra is not installed; serve and the rest need none
        raise ConfigError(MISSING) from None
    parse_surfaces(surface)  # a name that is none: one line (ValueError), before pytest starts
    return ContractOptions(
        target=target,
        client_id=given("client_id"),
        client_secret=given("client_secret"),
        jwt=given("jwt"),
        allow_writes=bool(writes),
        pace=pace,
        surface=surface,
        pytest_args=tuple(getattr(args, "pytest_args", None) or ()),
    )


def run_contract(options: ContractOptions, demo: dict[str, str]) -> int:
    """Exit 0 only when the target conforms; 2 when it cannot be judged at all (unreachable, not
    a RingCentral API, login refused: one line says which); pytest's own status otherwise."""
    try:
        import pytest
        import requests  # noqa: F401
        import responses  # noqa: F401
    except ImportError:
        print(MISSING, file=sys.stderr)
        return 2
    target = options.target
    login = {
        "client_id": options.client_id,
        "client_secret": options.client_secret,
        "jwt": options.jwt,
    }
    if not all(login.values()) and _is_loopback(target):
        # An emulator on this machine: its demo login, for the same seed or fixture.
        keys = {"client_id": "clientId", "client_secret": "clientSecret", "jwt": "jwt"}
        login = {name: value or demo[keys[name]] for name, value in login.items()}
        print("presence-mock contract: using the emulator's demo credentials", file=sys.stderr)
    # Secrets travel in the environment, never on a command line a process list could show.
    for name, value in login.items():
        if value:
            os.environ[RINGCENTRAL[name]] = value
    argv = ["--pyargs", "presence_mock_kit", "-p", "no:cacheprovider", "-q", "-rfE"]
    # faker (a pytest plugin too) is already imported for the demo credentials: not a problem.
    argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    argv += ["--presence-target", target, "--presence-pace", options.pace, "--presence-as-command"]
    if options.allow_writes:
        argv.append("--presence-allow-writes")
    if options.surface:
        argv += ["--presence-surface", options.surface]
    return int(pytest.main([*argv, *options.pytest_args]))


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
