"""The `presence-mock` command: serve the emulator, print demo credentials."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from mockserver.cli import calls, mcp_server, recording_commands
from mockserver.cli import export as export_command
from mockserver.cli import listen as listen_command
from mockserver.cli import snapshot as snapshot_command
from mockserver.cli.chaos_options import chaos_options
from mockserver.cli.contract import CONTRACT_VARIABLES, PACES, contract_options
from mockserver.cli.credentials_remote import fetch as fetch_credentials
from mockserver.cli.logs import configure as configure_logging
from mockserver.cli.logs import flush as flush_logs
from mockserver.cli.parser import Parser
from mockserver.cli.server_url import add_url_option, given_url
from mockserver.config import (
    ACTIVITIES,
    ENV_PREFIX,
    LOG_FORMATS,
    LOG_LEVELS,
    MAX_EXTENSIONS,
    MIN_EXTENSIONS,
    RATE_LIMIT_MODES,
    ConfigError,
    Settings,
    unknown_variables,
    variable_names,
    with_credentials_secret,
    with_secret_files,
)
from mockserver.directory.fixtures import FixtureError
from mockserver.directory.source import directory_for
from mockserver.emulator import login_of
from mockserver.platform.credentials import keys_for, with_app_secrets
from mockserver.platform.users import users
from mockserver.version import __version__

_Parser = Parser  # a refusal in one line (exit 2), with "did you mean" (cli/parser.py)


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r}: expected a whole number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{raw}: expected a port number 0..65535")
    return port


def _count(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r}: expected a whole number") from None


def package_version() -> str:
    """The package's one version (mockserver/version.py; pyproject.toml reads it too)."""
    return __version__


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="presence-mock",
        description="A local emulator of RingCentral's Presence API.",
        epilog="Every option of serve, credentials and contract (but --json/--env) also reads "
        "PRESENCE_MOCK_<NAME> (e.g. PRESENCE_MOCK_PORT); a flag wins over the variable. "
        "The client commands (call, scenario, activity, listen, coverage, contract, drift, "
        "credentials, export, mcp, snapshot) name the server with --url, else "
        "PRESENCE_MOCK_URL, else RINGCENTRAL_SERVER_URL. `presence-mock COMMAND --help` "
        "describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"presence-mock {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="port to listen on, 0..65535 (default: 8080)")
    serve.add_argument(
        "--strict-requests",
        action="store_const",
        const=True,
        help="refuse a request that breaks the request rules with the platform's 400",
    )
    serve.add_argument(
        "--rate-limits",
        choices=RATE_LIMIT_MODES,
        help="count and report rate limits (headers), also refuse (enforce), or not (off) "
        "(default: headers)",
    )
    serve.add_argument(
        "--rate-limit",
        action="append",
        metavar="GROUP=N[/SECONDS]",
        help="override one group's limit, e.g. heavy=100/60 (repeatable)",
    )
    serve.add_argument(
        "--workers",
        type=_count,
        help="worker processes (default: one per core, at most 4); 1 serves in one process",
    )
    serve.add_argument(
        "--store",
        help="where changes live: memory:// (one process), sqlite:///path or redis://host:port/db "
        "(default: memory://)",
    )
    serve.add_argument(
        "--gateway-port",
        type=_port,
        help="port of the WebSocket gateway and the event stream, 0..65535, 0: a free one, logged "
        "(default: --port + 1)",
    )
    serve.add_argument(
        "--gateway-ping",
        type=float,
        metavar="SECONDS",
        help="seconds between the gateway's pings of each socket; one not answered with a pong "
        "within 10 s (or half of SECONDS) is closed (default: 30)",
    )
    serve.add_argument(
        "--gateway-public-url",
        metavar="URL",
        help="where clients reach the gateway when its port is published under another number "
        "or behind a proxy, e.g. ws://localhost:18081 (wstoken's uri, /_mock/gateway and the "
        "board's stream are built on it; default: the REST host name and the gateway's port)",
    )
    serve.add_argument("--log-level", choices=LOG_LEVELS, help="least level logged (default: info)")
    serve.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        help="text lines, or one JSON object per line (default: text)",
    )
    serve.add_argument(
        "--webhook-https-only",
        action="store_const",
        const=True,
        help="refuse http:// WebHook addresses with SUB-523, as the platform does",
    )
    serve.add_argument(
        "--webhook-allow",
        metavar="HOST[,HOST...]",
        action="append",
        help="WebHook hosts allowed beside loopback: names, *.suffix patterns, IP addresses "
        "(repeatable); `any` allows every host: the emulator then POSTs wherever a token "
        "holder says (a relay)",
    )
    _account_options(serve)
    _control_options(serve)
    chaos_options(serve)
    serve.add_argument(
        "--credentials-file",
        metavar="PATH",
        help="write the credentials (as credentials --json) to PATH, mode 0600; with "
        "--random-credentials and no file, serve writes a temporary one and logs its path",
    )
    _snapshot_options(serve)
    serve.add_argument(
        "--ready-file",
        metavar="PATH",
        help="once REST and the gateway both answer, write PATH (JSON: url, gatewayUrl, "
        "websocketUrl, boardUrl, pid); removed when the server stops",
    )
    credentials = commands.add_parser(
        "credentials",
        help="print the demo administrator's login",
        epilog="With a URL (--url, PRESENCE_MOCK_URL or RINGCENTRAL_SERVER_URL) the running "
        "server is asked (GET /_mock/credentials: a client on its machine, or the holder of "
        "PRESENCE_MOCK_CONTROLS_TOKEN); without one the login is computed here from the "
        "account options, which must then be those the server was given.",
    )
    output = credentials.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON for scripts")
    output.add_argument(
        "--env",
        action="store_true",
        help="print RINGCENTRAL_* exports (the server URL too) for a shell's eval",
    )
    add_url_option(credentials, default="none: computed here")
    _account_options(credentials)
    contract = commands.add_parser(
        "contract",
        help="run the contract-test kit against a server",
        epilog="Each option also reads PRESENCE_MOCK_<NAME> (PRESENCE_MOCK_CLIENT_ID, ...); "
        "the login then falls back to RINGCENTRAL_CLIENT_ID, RINGCENTRAL_CLIENT_SECRET and "
        "RINGCENTRAL_JWT. --url inprocess, or no URL at all, judges the emulator in this "
        "process.",
    )
    add_url_option(contract, default="inprocess")
    contract.add_argument(
        "--client-id", help="the app's client ID (default: the demo's on this machine)"
    )
    contract.add_argument(
        "--client-secret", help="the app's client secret (default: the demo's on this machine)"
    )
    contract.add_argument(
        "--jwt", help="the user's JWT credential (default: the demo's on this machine)"
    )
    contract.add_argument(
        "--allow-writes",
        action="store_const",
        const=True,
        help="run the PUT round trip (default: reads only)",
    )
    contract.add_argument(
        "--pace", choices=PACES, help="keep under the rate limits: auto, on or off (default: auto)"
    )
    contract.add_argument(
        "--surface",
        metavar="LIST",
        help="judge only these parts, comma-separated: presence (the three presence "
        "operations), queues, unified, directory, calls, subscriptions (default: all)",
    )
    contract.add_argument(
        "pytest_args",
        nargs="*",
        metavar="-- PYTEST_ARGS",
        help="after --, options for pytest: -k EXPR, -x, --junitxml FILE, -rs ...",
    )
    _account_options(contract)
    calls.add_commands(commands, _Parser)  # call, scenario, activity
    _call_options(serve)
    listen_command.add_parser(commands)
    snapshot_command.add_parser(commands, _Parser)
    recording_commands.add_record(commands)
    recording_commands.add_replay(commands)
    recording_commands.add_drift(commands)
    recording_commands.add_coverage(commands)
    export_command.add_export(commands)
    mcp_server.add_mcp(commands)
    return parser


def _call_options(serve: argparse.ArgumentParser) -> None:
    """What serve plays besides answering (companion processes, mockserver/cli/calls.py)."""
    serve.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help="play SCENARIO (a file, or a shipped one by name: scenario list) once the server "
        "answers",
    )
    serve.add_argument(
        "--activity",
        choices=ACTIVITIES,
        help="run a background of calls, meetings and status changes (default: none)",
    )
    serve.add_argument(
        "--activity-rate",
        type=float,
        metavar="RATE",
        help="how many times faster than life the activity plays, 1: the realistic pace, a call "
        "per user every ten minutes or so (default: 10)",
    )


def _snapshot_options(serve: argparse.ArgumentParser) -> None:
    """Start from a saved state, save it at the end (docs/snapshots.md)."""
    serve.add_argument(
        "--import",
        dest="import_snapshot",
        metavar="FILE",
        help="start from this snapshot: its accounts and their state (not with --fixture)",
    )
    serve.add_argument(
        "--export-on-exit",
        metavar="FILE",
        help="write the state to this snapshot file when the server stops (SIGTERM, Ctrl-C)",
    )


def _control_options(parser: argparse.ArgumentParser) -> None:
    """/_mock/ can be switched off or locked with a bearer secret."""
    parser.add_argument(
        "--controls",
        choices=["on", "off", "token"],
        help="/_mock/ open (on), gone but health (off), or behind --controls-token (token) "
        "(default: on)",
    )
    parser.add_argument(
        "--controls-token",
        metavar="TOKEN",
        help="the bearer secret /_mock/ asks for (token); visible in ps: prefer the file or "
        "PRESENCE_MOCK_CONTROLS_TOKEN",
    )
    parser.add_argument(
        "--controls-token-file", metavar="PATH", help="read --controls-token from PATH's first line"
    )
    parser.add_argument(
        "--allowed-hosts",
        metavar="HOST[,HOST...]",
        help="host names (or patterns: *.lan) clients may reach the server by, besides "
        "localhost, IP addresses and --host (DNS rebinding); '*' allows any",
    )
    parser.add_argument(
        "--no-board",
        dest="board",
        action="store_const",
        const=False,
        help="no presence board at /_mock/board and /",
    )


def _account_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed", type=_count, help=f"seed of the generated account (default: {Settings().seed})"
    )
    parser.add_argument(
        "--extensions",
        type=_count,
        help=f"extensions in the first account, {MIN_EXTENSIONS}..{MAX_EXTENSIONS:,} "
        f"(default: {Settings().extensions})",
    )
    parser.add_argument(
        "--fixture", metavar="PATH", help="load the accounts from this JSON file instead"
    )
    parser.add_argument(
        "--random-credentials",
        action="store_const",
        const=True,
        help="unguessable app secrets, JWT key and passwords instead of the demo ones",
    )
    parser.add_argument(
        "--credentials-secret",
        metavar="SECRET",
        help="derive the random credentials from SECRET (16+ characters; implies "
        "--random-credentials): the same secret gives the same credentials everywhere; "
        "visible in ps: prefer the file or PRESENCE_MOCK_CREDENTIALS_SECRET",
    )
    parser.add_argument(
        "--credentials-secret-file",
        metavar="PATH",
        help="read --credentials-secret from PATH's first line",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    values = {k: v for k, v in vars(args).items() if k in Settings.__dataclass_fields__}
    # Repeated flags: one comma-separated list.
    for name in ("rate_limit", "latency", "fault", "webhook_allow"):
        if values.get(name):
            values[name] = ",".join(values[name])
    return with_secret_files(Settings.from_env(os.environ).override(**values))


# Secrets that may be given as flags, and where else they can come from.
SECRET_FLAGS = {
    "controls_token": ("--controls-token", "CONTROLS_TOKEN"),
    "credentials_secret": ("--credentials-secret", "CREDENTIALS_SECRET"),
}


def warn_secret_flags(args: argparse.Namespace) -> None:
    """One line per secret given as a flag: every user of the machine sees it in `ps`."""
    for name, (flag, variable) in SECRET_FLAGS.items():
        if getattr(args, name, None) is not None:
            print(
                f"presence-mock: warning: {flag} is visible to every user of this machine "
                f"(ps); use {flag}-file PATH or {ENV_PREFIX}{variable} instead",
                file=sys.stderr,
            )


ENV_NAMES = {
    "serverUrl": "RINGCENTRAL_SERVER_URL",
    "clientId": "RINGCENTRAL_CLIENT_ID",
    "clientSecret": "RINGCENTRAL_CLIENT_SECRET",
    "jwt": "RINGCENTRAL_JWT",
}


def demo_login(settings: Settings) -> dict[str, str]:
    """The demo app and the first account's administrator, for the account `settings` serve."""
    settings = with_credentials_secret(settings)
    keys = keys_for(settings.credentials_secret)
    return login_of(with_app_secrets(directory_for(settings), keys), keys)


def credentials(settings: Settings, style: str = "text") -> str:
    """What a client logs in with; with a secret, what a server given that secret accepts."""
    if settings.random_credentials and settings.credentials_secret is None:
        # A secret made up here would print credentials no server accepts.
        raise ConfigError(
            "--random-credentials: give the server's --credentials-secret "
            "(PRESENCE_MOCK_CREDENTIALS_SECRET), or read serve's --credentials-file"
        )
    keys = keys_for(settings.credentials_secret)
    directory = with_app_secrets(directory_for(settings), keys)
    found = {"serverUrl": served_url(settings), **login_of(directory, keys)}
    if style == "json":
        # Scripts get every user of every account too; the shell forms stay short.
        return json.dumps({**found, "users": users(directory, keys)}, indent=2)
    return shown(found, style)


def shown(found: dict[str, Any], style: str) -> str:
    """A login as --json, --env (shell exports) or text lines."""
    if style == "json":
        return json.dumps(found, indent=2)
    if style == "env":
        return "\n".join(f"export {ENV_NAMES[k]}={shlex.quote(found[k])}" for k in ENV_NAMES)
    return "\n".join(f"{key}: {found[key]}" for key in ENV_NAMES)


def served_url(settings: Settings) -> str:
    """Where `serve` with these settings answers, as a client on this machine names it."""
    host = "127.0.0.1" if settings.host in ("", "0.0.0.0", "::", "[::]") else settings.host
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{host}:{settings.port}"


def remote_credentials(url: str, settings: Settings, style: str) -> str:
    """The login the server at `url` accepts, asked of it."""
    found = fetch_credentials(url, settings.controls_token, with_users=style == "json")
    return shown({**found, "serverUrl": url}, style)


def serve(settings: Settings) -> int:
    """Serve the emulator: granian's workers, the gateway process, companions (runtime/serve.py)."""
    from mockserver.runtime.serve import serve as run

    return run(settings, lambda settled: credentials(settled, "json"), package_version())


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    if not (sys.argv[1:] if argv is None else argv):
        parser.print_help()  # a bare `presence-mock` shows what it can do (exit 0)
        return 0
    args = parser.parse_args(argv)
    known = [*variable_names(), *CONTRACT_VARIABLES, *calls.CALL_VARIABLES]
    known += recording_commands.RECORD_VARIABLES
    for line in unknown_variables(os.environ, known):
        print(line, file=sys.stderr)
    try:
        if getattr(args, "run", None) is not None:  # record, replay, drift, coverage
            warn_secret_flags(args)
            return int(args.run(args))
        settings = settings_from(args)
        warn_secret_flags(args)  # once the values are good: a refusal stays one line
        if args.command == "contract":
            from mockserver.cli.contract import run_contract

            # No logging set up: an in-process run keeps the emulator's lines out of the report.
            return run_contract(contract_options(args, os.environ), demo_login(settings))
        if args.command in calls.COMMANDS:
            return calls.run_command(args, os.environ, settings)
        if args.command == "mcp":
            return mcp_server.run_mcp(args, settings.controls_token, lambda: demo_login(settings))
        if args.command == snapshot_command.COMMAND:
            return snapshot_command.run(args, os.environ, settings)
        if args.command == "listen":
            return listen_command.run_listen(args, demo_login(settings))
        if args.command == "credentials":
            style = "json" if args.json else "env" if args.env else "text"
            url = given_url(args, os.environ)
            if url is not None:
                print(remote_credentials(url[0], settings, style))
            else:
                print(credentials(settings, style))
            return 0
        configure_logging(settings.log_level, settings.log_format)
        return serve(settings)
    except (ConfigError, FixtureError, ValueError) as error:
        flush_logs()  # lines logged so far go first: the refusal is the last line
        print(f"presence-mock: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
