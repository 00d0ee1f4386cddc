"""`presence-mock serve`: the processes of one server, started in order and stopped together.

The master settles the ports (a taken one is one line at start-up; `0` is settled before the app
says where it is), a scratch SQLite store when the store is `memory://` (the workers and the
gateway process must share one), the credentials; then builds the app once, forks the gateway
process (gateway_process.py, kept alive by supervisor.py), starts the companions
(companions.py) and serves the app with granian's workers (workers.py) until stopped. Every child
stops when the master is gone (orphans.py). On the way out it stops them and removes what it
made for this run only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable

from mockserver.config import ConfigError, Settings, gateway_port_of, with_credentials_secret
from mockserver.runtime import companions as companion_processes
from mockserver.runtime import gateway_process, snapshot_files, workers
from mockserver.runtime.ready import ReadyFile
from mockserver.runtime.supervisor import Supervisor
from mockserver.scaleout import COUNTER_SUFFIX
from mockserver.web.app import create_app
from mockserver.web.context import emulator_of

log = logging.getLogger("presence_mock")


def serve(settings: Settings, credentials: Callable[[Settings], str], version: str) -> int:
    """Serve the app in `settings.workers` processes beside the gateway until stopped.
    `credentials`: the text `--credentials-file` gets (credentials --json) for the settled
    settings; `version`: the package's, for the log."""
    if settings.workers < 1:
        raise ConfigError(f"--workers {settings.workers}: expected 1 or more")
    port = _check_port_free(settings.host, settings.port)
    if settings.port == 0:
        # A free port settled here, so the emulator knows its own REST port (a WebHook must
        # never target it) and the log names it; granian binds it next.
        settings = dataclasses.replace(settings, port=port)
    # A snapshot to start from (read and checked before anything starts), a file to end with.
    snapshot, settings, accounts = snapshot_files.start(settings)
    listener: socket.socket | None = None
    gateway = None
    scratch: str | None = None
    if settings.store.rstrip("/") == "memory:":
        # One process's memory cannot be shared, and the workers and the gateway process must
        # agree: a scratch SQLite file for this run only.
        handle, scratch = tempfile.mkstemp(prefix="presence-mock-", suffix=".db")
        os.close(handle)
        settings = dataclasses.replace(settings, store=f"sqlite://{scratch}")
        # Said as what it is, the normal multi-worker start: not as a problem to fix.
        log.info(
            "presence-mock %s: %s and the gateway sharing a scratch store for this run (%s)",
            version,
            f"{settings.workers} workers" if settings.workers > 1 else "1 worker",
            settings.store,
        )
    # Settled once, before the workers fork from the app, so they all accept the same ones.
    settings = with_credentials_secret(settings)
    try:
        written = _write_credentials(settings, credentials)
    except BaseException:
        snapshot_files.forget(accounts)  # the snapshot's accounts file, if one was written
        raise
    companions: list[subprocess.Popen[bytes]] = []
    stopped_cleanly = False
    app = None
    ready: ReadyFile | None = None
    try:
        listener = _bind_gateway(settings)  # the gateway's port, settled before the app
        settings = dataclasses.replace(settings, gateway_port=listener.getsockname()[1])
        app = create_app(settings)
        snapshot_files.load(emulator_of(app), snapshot, settings.import_snapshot)
        gateway = Supervisor(emulator_of(app), listener)  # restarted when it dies
        listener.close()  # the gateway's now; granian's workers must not inherit it
        if settings.ready_file:
            ready = ReadyFile(settings.ready_file, settings)  # written once both answer
        if written:
            # Where, never what: the log is pasted into issues (docs/options.md).
            log.info("presence-mock: credentials in %s (mode 0600)", written)
        log.info(
            "presence-mock %s serving on http://%s:%d with %d worker(s)",
            version,
            settings.host,
            settings.port,
            settings.workers,
        )
        log.info(
            "presence-mock gateway: ws://%s:%d/ws, events at http://%s:%d/_mock/stream",
            settings.host,
            settings.gateway_port,
            settings.host,
            settings.gateway_port,
        )
        _log_chaos(settings)
        companions = companion_processes.companions(settings)  # --scenario
        if ready is not None:
            ready.start()
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, as SIGTERM is
            workers.serve(app, settings.host, settings.port, settings.workers)
        stopped_cleanly = True
    finally:
        if ready is not None:
            ready.remove()  # first: a script reading it must not find a stopping server
        companion_processes.stop(companions)
        if listener is not None:
            listener.close()
        if gateway is not None:
            gateway.stop()
        if stopped_cleanly and app is not None:
            snapshot_files.save(emulator_of(app), settings.export_on_exit)  # before the scratch
        snapshot_files.forget(accounts)
        if written and not settings.credentials_file:
            with contextlib.suppress(OSError):
                os.unlink(written)
        if scratch:
            for suffix in ("", "-wal", "-shm", COUNTER_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(scratch + suffix)
    return 0


def _log_chaos(settings: Settings) -> None:
    """Start-up fault rules are named with their seed, so a failing CI run can be replayed."""
    rules = ",".join(filter(None, (settings.latency, settings.fault)))
    if rules:
        seed = settings.chaos_seed if settings.chaos_seed is not None else settings.seed
        log.info("presence-mock: chaos rules %s (seed %d)", rules, seed)


def _bind_gateway(settings: Settings) -> socket.socket:
    """The gateway's listening socket. A port given with --gateway-port that is
    taken: one line and exit 1; the default one (the REST port + 1) taken: a free port, logged
    (wstoken's uri and /_mock/gateway name the port in use, so clients follow)."""
    port = gateway_port_of(settings)
    try:
        return gateway_process.bind(settings.host, port)
    except OSError as error:
        if settings.gateway_port is None:
            log.info(
                "presence-mock: port %d (the default gateway port) is taken: the gateway "
                "takes a free one",
                port,
            )
            return gateway_process.bind(settings.host, 0)
        print(
            f"presence-mock: cannot listen on {settings.host}:{port} (--gateway-port): "
            f"{error.strerror}",
            file=sys.stderr,
        )
        raise SystemExit(1) from None


def _write_credentials(settings: Settings, credentials: Callable[[Settings], str]) -> str | None:
    """Write `credentials --json` to --credentials-file (kept), or, for random credentials
    without one, to a temporary file removed when the server stops; None when nothing is
    written. Created 0600 before anything is in it, so no other user can read it."""
    path = settings.credentials_file
    if path is None and not settings.random_credentials:
        return None
    text = credentials(settings) + "\n"
    if path is None:
        handle, path = tempfile.mkstemp(prefix="presence-mock-credentials-", suffix=".json")
    else:
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as error:
            raise ConfigError(f"--credentials-file {path}: {error.strerror}") from None
    os.fchmod(handle, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(handle, "w", encoding="utf-8") as sink:
        sink.write(text)
    return path


def _check_port_free(host: str, port: int) -> int:
    """Say a taken port in one line, before the workers are started; the port (a free one for
    0)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            print(
                f"presence-mock: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr
            )
            raise SystemExit(1) from None
        return int(probe.getsockname()[1])
