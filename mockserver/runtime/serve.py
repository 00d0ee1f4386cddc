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

# Imported before any thread of the master starts: granian forks the workers while the
# announcing thread runs, and a worker forked while another thread was importing a module
# inherits its import lock held; werkzeug encodes every request's host with this codec.
import encodings.idna  # noqa: F401
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from mockserver.config import ConfigError, Settings, gateway_port_of, with_credentials_secret
from mockserver.runtime import companions as companion_processes
from mockserver.runtime import gateway_process, snapshot_files, workers
from mockserver.runtime.ready import ReadyFile
from mockserver.runtime.supervisor import Supervisor
from mockserver.scaleout import COUNTER_SUFFIX
from mockserver.scaleout.requestlog import flush_all
from mockserver.web.app import create_app
from mockserver.web.context import emulator_of
from mockserver.web.gateway_links import links

log = logging.getLogger("presence_mock")


def serve(settings: Settings, credentials: Callable[[Settings], str], version: str) -> int:
    """Serve the app in `settings.workers` processes beside the gateway until stopped.
    `credentials`: the text `--credentials-file` gets (credentials --json) for the settled
    settings; `version`: the package's, for the log.

    Everything that can refuse the settings (the ports, the scenario, snapshot and fixture
    files, the chaos rules, the store) is checked before the first log line: a refusal is the
    run's last line, and nothing before it looks like a start (decision SHIP-5)."""
    if settings.workers < 1:
        raise ConfigError(f"--workers {settings.workers}: expected 1 or more")
    companion_processes.check(settings)  # --scenario's file, read before anything starts
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
    written: str | None = None
    companions: list[subprocess.Popen[bytes]] = []
    started = False
    stopped_cleanly = False
    app = None
    ready: ReadyFile | None = None
    try:
        if settings.store.rstrip("/") == "memory:":
            # One process's memory cannot be shared, and the workers and the gateway process
            # must agree: a scratch SQLite file for this run only.
            handle, scratch = tempfile.mkstemp(prefix="presence-mock-", suffix=".db")
            os.close(handle)
            settings = dataclasses.replace(settings, store=f"sqlite://{scratch}")
        # Settled once, before the workers fork from the app, so they all accept the same ones.
        settings = with_credentials_secret(settings)
        wanted = gateway_port_of(settings)
        listener = _bind_gateway(settings)  # the gateway's port, settled before the app
        settings = dataclasses.replace(settings, gateway_port=listener.getsockname()[1])
        moved = wanted if wanted and wanted != settings.gateway_port else None
        app = create_app(settings)  # the fixture, the chaos rules, the store: refused here
        written = _write_credentials(settings, credentials)
        snapshot_files.load(emulator_of(app), snapshot, settings.import_snapshot)
        if settings.ready_file:
            ready = ReadyFile(settings.ready_file, settings)  # written once both answer
        if written:
            # At once, before a client can log in; where, never what: the log is pasted into
            # issues (docs/options.md).
            log.info("presence-mock: credentials in %s (mode 0600)", written)
        gateway = Supervisor(emulator_of(app), listener)  # restarted when it dies
        listener.close()  # the gateway's now; granian's workers must not inherit it
        started = True
        # Said once both ports take connections: granian binds the REST port in serve() below.
        said = banner(settings, version, scratch is not None, gateway_moved_from=moved)
        _announce_when_listening(settings, said)
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
        snapshot_files.forget(accounts)  # the snapshot's accounts file, if one was written
        if written and not settings.credentials_file:
            with contextlib.suppress(OSError):
                os.unlink(written)
        if scratch:
            for suffix in ("", "-wal", "-shm", COUNTER_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(scratch + suffix)
        if started:
            log.info("presence-mock: stopped (http://%s:%d)", settings.host, settings.port)
        # Written now: granian's logging set-up took the handler off logging's list of those
        # flushed at exit, so the last lines would be lost with the flusher thread.
        flush_all()
    return 0


def banner(
    settings: Settings, version: str, scratch: bool, gateway_moved_from: int | None = None
) -> list[str]:
    """What serve says once its ports are bound: where the API, the gateway and the board are
    (the ports in use, a free one's number for port 0), how to log in, where to read more.
    `gateway_moved_from`: the default gateway port, when it was taken and a free one used."""
    lines = []
    if scratch:
        # Said as what it is, the normal multi-worker start: not as a problem to fix.
        workers_said = f"{settings.workers} workers" if settings.workers > 1 else "1 worker"
        lines.append(
            f"presence-mock {version}: {workers_said} and the gateway sharing a scratch store "
            f"for this run ({settings.store})"
        )
    base = f"http://{_reachable(settings.host)}:{settings.port}"
    gateway = links(f"{_reachable(settings.host)}:{settings.port}", settings)
    lines += [
        f"presence-mock {version} serving on http://{settings.host}:{settings.port} "
        f"with {settings.workers} worker(s)",
        f"presence-mock gateway: {gateway['websocket']}, events at {gateway['stream']}",
    ]
    if gateway_moved_from is not None:
        lines.append(
            f"presence-mock: port {gateway_moved_from} (the default gateway port) is taken: "
            "the gateway took a free one"
        )
    lines += [
        f"presence-mock REST API: {base}/restapi/v1.0",
    ]
    if settings.board:
        lines.append(f"presence-mock board: {base}/")
    lines += [
        f"presence-mock log in with: presence-mock credentials --url {base} "
        "(--env for a shell, --json for a script)",
        "presence-mock docs: presence-mock --help, and README.md and docs/ beside the code",
    ]
    lines += _chaos_lines(settings)
    return lines


ANNOUNCE_WITHIN = 60.0  # seconds: a server not listening by then has said why (granian's line)


def _announce_when_listening(settings: Settings, lines: list[str]) -> None:
    """Log `lines` from a thread once the REST port and the gateway's accept connections."""

    def announce() -> None:
        wildcard = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}
        host = wildcard.get(settings.host, settings.host.strip("[]"))
        deadline = time.monotonic() + ANNOUNCE_WITHIN
        for port in (settings.port, gateway_port_of(settings)):
            while not _accepts(host, port):
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)
        for line in lines:
            log.info("%s", line)

    threading.Thread(target=announce, name="announce", daemon=True).start()


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _reachable(host: str) -> str:
    """A name a browser on this machine reaches a server listening on `host` by."""
    if host in ("0.0.0.0", "", "::", "[::]"):
        return "localhost"
    return f"[{host}]" if ":" in host else host


def _chaos_lines(settings: Settings) -> list[str]:
    """Start-up fault rules are named with their seed, so a failing CI run can be replayed."""
    rules = ",".join(filter(None, (settings.latency, settings.fault)))
    if not rules:
        return []
    seed = settings.chaos_seed if settings.chaos_seed is not None else settings.seed
    return [f"presence-mock: chaos rules {rules} (seed {seed})"]


def _bind_gateway(settings: Settings) -> socket.socket:
    """The gateway's listening socket. A port given with --gateway-port that is
    taken: one line and exit 1; the default one (the REST port + 1) taken: a free port, which
    the banner names (wstoken's uri and /_mock/gateway name the port in use, so clients
    follow)."""
    port = gateway_port_of(settings)
    try:
        return gateway_process.bind(settings.host, port)
    except OSError as error:
        if settings.gateway_port is None:
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
