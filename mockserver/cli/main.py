"""The `presence-mock` command: serve the emulator, print demo credentials."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from mockserver.config import ConfigError, Settings
from mockserver.directory.fixtures import FixtureError
from mockserver.directory.model import Directory
from mockserver.emulator import directory_for
from mockserver.platform.credentials import credential_jwt
from mockserver.platform.users import users


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presence-mock",
        description="A local emulator of RingCentral's Presence API.",
        epilog="Every option also reads PRESENCE_MOCK_<NAME> (e.g. PRESENCE_MOCK_PORT).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument(
        "--strict-requests",
        action="store_const",
        const=True,
        help="refuse a request that breaks the request rules with the platform's 400",
    )
    serve.add_argument(
        "--rate-limits",
        choices=["off", "headers", "enforce"],
        help="count and report rate limits (headers, the default), also refuse (enforce), or not",
    )
    serve.add_argument(
        "--rate-limit",
        action="append",
        metavar="GROUP=N[/SECONDS]",
        help="override one group's limit, e.g. heavy=100/60 (repeatable)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: 2 per core, at most 4); 1 serves in one process",
    )
    serve.add_argument(
        "--store",
        help="where changes live: memory:// (one process), sqlite:///path or redis://host:port/db",
    )
    _account_options(serve)
    _control_options(serve)
    credentials = commands.add_parser("credentials", help="print the demo administrator's login")
    output = credentials.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON for scripts")
    output.add_argument(
        "--env", action="store_true", help="print RINGCENTRAL_* exports for a shell's eval"
    )
    _account_options(credentials)
    contract = commands.add_parser("contract", help="run the contract-test kit against a server")
    contract.add_argument("--target", default=None, help="inprocess or a base URL")
    contract.add_argument("--client-id")
    contract.add_argument("--client-secret")
    contract.add_argument("--jwt")
    contract.add_argument("--allow-writes", action="store_true", help="run the PUT round trip")
    contract.add_argument("--pace", choices=("auto", "on", "off"), default="auto")
    return parser


def _control_options(parser: argparse.ArgumentParser) -> None:
    """Issue 10: /_mock/ can be switched off or locked with a bearer secret."""
    parser.add_argument(
        "--controls",
        choices=["on", "off", "token"],
        help="/_mock/ open (on, the default), gone but health (off), or behind --controls-token",
    )
    parser.add_argument("--controls-token", help="the bearer secret /_mock/ asks for (token)")


def _account_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, help="seed of the generated account")
    parser.add_argument("--extensions", type=int, help="extensions in the first account (60)")
    parser.add_argument("--fixture", help="load the accounts from this JSON file instead")


def settings_from(args: argparse.Namespace) -> Settings:
    values = {k: v for k, v in vars(args).items() if k in Settings.__dataclass_fields__}
    if values.get("rate_limit"):  # repeated --rate-limit flags: one comma-separated setting
        values["rate_limit"] = ",".join(values["rate_limit"])
    return Settings.from_env(os.environ).override(**values)


ENV_NAMES = {
    "clientId": "RINGCENTRAL_CLIENT_ID",
    "clientSecret": "RINGCENTRAL_CLIENT_SECRET",
    "jwt": "RINGCENTRAL_JWT",
}


def demo_login(settings: Settings) -> dict[str, str]:
    """The demo app and the first account's administrator, for the account `settings` serve."""
    return login_of(directory_for(settings))


def login_of(directory: Directory) -> dict[str, str]:
    app = directory.apps[0]
    admin = directory.accounts[0].administrator
    return {
        "clientId": app.client_id,
        "clientSecret": app.client_secret,
        "jwt": credential_jwt(admin),
    }


def credentials(settings: Settings, style: str = "text") -> str:
    directory = directory_for(settings)
    found = login_of(directory)
    if style == "json":
        # Scripts get every user of every account too; the shell forms stay short.
        every: dict[str, Any] = {**found, "users": users(directory)}
        return json.dumps(every, indent=2)
    if style == "env":
        return "\n".join(f"export {ENV_NAMES[key]}={value}" for key, value in found.items())
    return "\n".join(f"{key}: {value}" for key, value in found.items())


def serve(settings: Settings) -> int:
    if settings.workers < 1:
        raise ConfigError(f"--workers {settings.workers}: expected 1 or more")
    if settings.workers == 1:
        return _serve_one_process(settings)
    return _serve_workers(settings)


def _serve_one_process(settings: Settings) -> int:
    from werkzeug.serving import make_server

    from mockserver.web.app import create_app
    from mockserver.web.limits import PlatformErrorsHandler

    app = create_app(settings)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # A taken port: werkzeug itself prints "Port N is in use ..." and exits with status 1.
    server = make_server(
        settings.host, settings.port, app, threaded=True, request_handler=PlatformErrorsHandler
    )
    # SIGTERM (docker stop, a test's terminate) ends serve_forever by an exception, so the
    # interpreter exits normally and logging writes the request lines still pending.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    logging.getLogger("presence_mock").info(
        "presence-mock serving on http://%s:%d", settings.host, server.server_port
    )
    server.serve_forever()
    return 0


def _exit_on_signal(_signum: int, _frame: object) -> None:
    raise SystemExit(0)  # a stop asked for is a clean exit, as gunicorn's master makes it


def _serve_workers(settings: Settings) -> int:
    from mockserver.cli.servers import GunicornServer
    from mockserver.scaleout import COUNTER_SUFFIX
    from mockserver.web.app import create_app

    log = logging.getLogger("presence_mock")
    _check_port_free(settings.host, settings.port)
    scratch: str | None = None
    if settings.store.rstrip("/") == "memory:":
        # One process's memory cannot be shared, and workers must agree: a scratch
        # SQLite file for this run only.
        handle, scratch = tempfile.mkstemp(prefix="presence-mock-", suffix=".db")
        os.close(handle)
        settings = dataclasses.replace(settings, store=f"sqlite://{scratch}")
        log.info(
            "memory:// cannot be shared by %d workers: using %s", settings.workers, settings.store
        )
    try:
        GunicornServer(create_app(settings), settings.host, settings.port, settings.workers).run()
    finally:
        if scratch:
            for suffix in ("", "-wal", "-shm", COUNTER_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(scratch + suffix)
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Say a taken port in one line; gunicorn would retry for 5 s and log each attempt."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            # Status 1, as werkzeug's own "Port N is in use" with one worker.
            print(
                f"presence-mock: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr
            )
            raise SystemExit(1) from None


def _configure_logging() -> None:
    from mockserver.scaleout.requestlog import BatchingStreamHandler

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=[BatchingStreamHandler(sys.stderr)],
    )
    # One line per request: the format names no source line, thread or process, so don't
    # collect them for every record (the logging cookbook's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging()
    try:
        settings = settings_from(args)
        if args.command == "contract":
            from mockserver.cli.contract import run_contract

            return run_contract(args, demo_login(settings))
        if args.command == "credentials":
            style = "json" if args.json else "env" if args.env else "text"
            print(credentials(settings, style))
            return 0
        return serve(settings)
    except (ConfigError, FixtureError, ValueError) as error:
        print(f"presence-mock: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
