"""`python -m bench`: throughput, latency, start-up and memory of `presence-mock serve`.

Starts the server the way users do (the `presence-mock serve` command, as a subprocess on a free
loopback port), logs in with the demo JWT, and drives it with `wrk` (Debian: `apt-get install
wrk`). Every figure is compared with a bare Flask route served by the same command (see
bench/bare_app.py). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import peer_servers

API = "/restapi/v1.0/account/~"
BARE_PATH = "/bare"

# wrk calls done() once at the end; printing one JSON line there is easier to parse than its
# human-readable report. Latency figures are in microseconds.
LUA_COMMON = """
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["Accept"] = "application/json"
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors))
end
"""
LUA_PUT = """
wrk.method = "PUT"
wrk.body = '{"userStatus":"Busy"}'
wrk.headers["Content-Type"] = "application/json"
"""


@dataclass(frozen=True, slots=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float = 0.0  # the server's CPU time (all its processes) per request answered


@dataclass(frozen=True, slots=True)
class Round:
    """One run of the baseline and one of each of our measures, taken back to back."""

    bare: Load
    ours: dict[str, Load]
    other: dict[str, Load] = dataclasses.field(default_factory=dict)  # --compare-with
    peers: dict[str, Load] = dataclasses.field(default_factory=dict)  # WireMock, Mockoon, Prism


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    startup_s: float

    def cpu_s(self) -> float:
        """User and system CPU seconds of the server's processes so far, from /proc."""
        return sum(_cpu_s(pid) for pid in _tree(self.process.pid))

    def load(self, url: str, token: str, args: argparse.Namespace, put: bool = False) -> Load:
        """`wrk` against this server, with the server's CPU time per request: unlike req/s, it
        hardly moves when something else on the machine takes the cores for a while."""
        before = self.cpu_s()
        found = wrk(url, token, args, put)
        spent = self.cpu_s() - before
        answered = found.rps * args.duration
        return dataclasses.replace(found, cpu_us=spent / answered * 1e6 if answered else 0.0)

    def memory_mb(self) -> Memory:
        pids = _tree(self.process.pid)
        return Memory(
            pss=sum(_proc_kb(pid, "smaps_rollup", "Pss:") for pid in pids) / 1024,
            rss=sum(_proc_kb(pid, "status", "VmRSS:") for pid in pids) / 1024,
        )


@dataclass(frozen=True, slots=True)
class Memory:
    """Memory of a process tree in MB. `pss` is the honest total: after gunicorn's preload and
    fork, the workers share the master's pages copy-on-write, and RSS counts each shared page
    once per process that maps it; PSS divides it among them, so the sum counts it once."""

    pss: float
    rss: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(root: int) -> list[int]:
    """The process and all its descendants (gunicorn workers, if any), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the ppid is after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # gone meanwhile
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _proc_kb(pid: int, name: str, key: str) -> int:
    """The kB figure on the `key` line of /proc/PID/<name>; 0 for a process gone meanwhile."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _get(url: str, token: str | None = None, timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def running(
    command: Sequence[str], port: int, timeout: float = 120, health: str = "/_mock/health"
) -> Iterator[Server]:
    """Start `command`, wait for the first 200 on `health`, stop it (its whole group) after."""
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    # The server logs every request: to a file, as a pipe nobody reads would fill and stall it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    # Its own session, so stopping it also stops any worker processes it forked.
    process = subprocess.Popen(
        list(command), stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
    )
    try:
        while True:
            if process.poll() is not None:
                log.seek(0)
                error = log.read().decode(errors="replace")[-2000:]
                raise SystemExit(f"bench: {' '.join(command)} exited:\n{error}")
            try:
                if _get(base + health, timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"bench: {' '.join(command)} did not answer in {timeout} s")
            time.sleep(0.01)
        yield Server(process, base, time.perf_counter() - started)
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited by itself
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def login(base: str, extensions: int, program: str = "presence-mock") -> str:
    """The demo administrator's access token, by the JWT grant as a client would get it."""
    found = subprocess.run(
        [program, "credentials", "--json", "--extensions", str(extensions)],
        check=True,
        capture_output=True,
        text=True,
    )
    creds = json.loads(found.stdout)
    form = urllib.parse.urlencode(
        {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": creds["jwt"]}
    ).encode()
    request = urllib.request.Request(base + "/restapi/oauth/token", data=form, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    pair = f"{creds['clientId']}:{creds['clientSecret']}".encode()
    import base64

    request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["access_token"])


def wrk(url: str, token: str, args: argparse.Namespace, put: bool = False) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA_COMMON + (LUA_PUT if put else ""))
    try:
        command = [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            url,
        ]
        out = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "BENCH_TOKEN": token},
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    found = json.loads(line[len("BENCH ") :])
    return Load(
        rps=found["requests"] / (found["duration_us"] / 1e6),
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        errors=found["errors"],
    )


def serve_options(port: int, workers: int | None) -> list[str]:
    """`serve` options; --workers only if asked for (and the CLI must then have it)."""
    options = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    return options + (["--workers", str(workers)] if workers else [])


def cli_has_workers() -> bool:
    found = subprocess.run(["presence-mock", "serve", "--help"], capture_output=True, text=True)
    return "--workers" in found.stdout


WALKS = 6


def walk_account(base: str, token: str, count: int) -> None:
    """Read every page of the account WALKS times, 8 requests at a time, so all workers serve."""
    pages = [page for _ in range(WALKS) for page in range(1, (count + 999) // 1000 + 1)]

    def read(page: int) -> None:
        status, body = _get(f"{base}{API}/presence?perPage=1000&page={page}", token, timeout=120)
        if status != 200:
            raise SystemExit(f"bench: page {page} answered {status}: {body[:200]!r}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(read, pages))


def extension_ids(base: str, token: str, count: int) -> list[str]:
    status, body = _get(f"{base}{API}/presence?perPage={count}", token)
    if status != 200:
        raise SystemExit(f"bench: account presence answered {status}: {body[:200]!r}")
    return [str(record["extension"]["id"]) for record in json.loads(body)["records"]]


def _row(name: str, rounds: Sequence[Round], measure: str | None, target: str = "") -> str:
    """A table row of medians over the rounds; the ratio is the median of per-round ratios."""
    loads = [r.ours[measure] if measure else r.bare for r in rounds]
    rps = statistics.median(load.rps for load in loads)
    p50 = statistics.median(load.p50_ms for load in loads)
    p99 = statistics.median(load.p99_ms for load in loads)
    cpu = statistics.median(load.cpu_us for load in loads)
    errors = sum(load.errors for load in loads)
    shown = f"{rps:,.0f}" + (f" ({errors} errors)" if errors else "")
    ratio, cpu_ratio = "-", "-"
    if measure:
        ratios = sorted(r.ours[measure].rps / r.bare.rps for r in rounds)
        ratio = f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"
        cpu_ratio = (
            f"{statistics.median(r.ours[measure].cpu_us / r.bare.cpu_us for r in rounds):.2f}x"
        )
    if "{worst_p99}" in target:  # a p99 bound holds for every round, the first included
        target = target.format(worst_p99=f"{max(load.p99_ms for load in loads):.1f}")
    return (
        f"| {name} | {shown} | {p50:.2f} | {p99:.2f} | {ratio} | {cpu:,.0f} | {cpu_ratio} "
        f"| {target} |"
    )


def _other_build(
    stack: contextlib.ExitStack, args: argparse.Namespace, ours: Server, ids: list[str]
) -> dict[str, tuple[Server, str, str]]:
    """The --compare-with build serving the same account: its URL and token per measure."""
    if not args.compare_with:
        return {}
    port = _free_port()
    command = [args.compare_with, "serve", "--host", "127.0.0.1", "--port", str(port)]
    other = stack.enter_context(
        running([*command, "--extensions", str(args.load_extensions)], port)
    )
    token = login(other.base, args.load_extensions, args.compare_with)
    return {
        "single": (other, f"{other.base}{API}/extension/~/presence", token),
        "batch": (other, f"{other.base}{API}/extension/{','.join(ids)}/presence", token),
        "page": (other, f"{other.base}{API}/presence?perPage=100", token),
    }


def _compare_row(name: str, rounds: Sequence[Round]) -> str:
    theirs = statistics.median(r.other[name].rps for r in rounds)
    ours = statistics.median(r.ours[name].rps for r in rounds)
    ratios = sorted(r.ours[name].rps / r.other[name].rps for r in rounds)
    return (
        f"| {name} | {theirs:,.0f} | {ours:,.0f} "
        f"| {statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}) |"
    )


def _peers(
    stack: contextlib.ExitStack, args: argparse.Namespace, body: bytes
) -> dict[str, tuple[Server, str]]:
    """The peers serving `body` at the single GET's path: each one's server and URL."""
    if args.no_peers:
        return {}
    why_not = peer_servers.install()
    if why_not is not None:
        print(f"bench: {why_not}", file=sys.stderr)
    scratch = Path(stack.enter_context(peer_servers.scratch_dir()))
    ports = {name: _free_port() for name in ("wiremock", "mockoon", "prism")}
    path = f"{API}/extension/~/presence"
    found: dict[str, tuple[Server, str]] = {}
    for peer in peer_servers.peers(path, body, ports, scratch):
        port = int(peer.command[peer.command.index("--port") + 1])
        # The JVM takes seconds to start on a loaded machine.
        server = stack.enter_context(running(peer.command, port, timeout=300, health=peer.path))
        found[peer.name] = (server, server.base + peer.path)
    return found


def _peer_row(name: str, rounds: Sequence[Round]) -> str:
    loads = [r.peers[name] for r in rounds]
    rps = statistics.median(load.rps for load in loads)
    p50 = statistics.median(load.p50_ms for load in loads)
    p99 = statistics.median(load.p99_ms for load in loads)
    cpu = statistics.median(load.cpu_us for load in loads)
    errors = sum(load.errors for load in loads)
    shown = f"{rps:,.0f}" + (f" ({errors} errors)" if errors else "")
    ratios = sorted(r.ours["single"].rps / r.peers[name].rps for r in rounds)
    # What Flask itself reaches against this peer: the ceiling of any Flask app's ratio.
    bare = sorted(r.bare.rps / r.peers[name].rps for r in rounds)
    cpu_ratio = statistics.median(r.peers[name].cpu_us / r.ours["single"].cpu_us for r in rounds)
    target = ">= 0.7x" if name.startswith("WireMock") else ""
    return (
        f"| {name} | {shown} | {p50:.2f} | {p99:.2f} "
        f"| {statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}) "
        f"| {statistics.median(bare):.2f}x ({bare[0]:.2f}-{bare[-1]:.2f}) | {cpu:,.0f} "
        f"| {cpu_ratio:.2f}x | {target} |"
    )


def _load_row(name: str, load: Load, target: str = "") -> str:
    errors = f" ({load.errors} errors)" if load.errors else ""
    return (
        f"| {name} | {load.rps:,.0f}{errors} | {load.p50_ms:.2f} | {load.p99_ms:.2f} "
        f"| - | {target} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="throughput rounds, medians reported (3)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="serve --workers N (only if the CLI has it)"
    )
    parser.add_argument(
        "--extensions",
        type=int,
        nargs="+",
        default=[60, 10_000, 100_000],
        help="account sizes for start-up and memory (60 10000 100000)",
    )
    parser.add_argument(
        "--compare-with",
        metavar="PRESENCE_MOCK",
        help="another build's presence-mock command (e.g. today's main in its own venv): its "
        "default serve is measured in the same rounds, and our req/s given as a ratio of its",
    )
    parser.add_argument(
        "--load-extensions",
        type=int,
        default=1000,
        help="account size for the throughput runs: enough for a full page of 100 (1000)",
    )
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="leave out WireMock, Mockoon and Prism (installed by the bench under bench/peers)",
    )
    parser.add_argument(
        "--peer-warm-up",
        type=int,
        default=10,
        help="seconds of load on each peer before the rounds (the JVM compiles as it runs) (10)",
    )
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        print(
            "bench: wrk is not installed. Install it (Debian/Ubuntu: `sudo apt-get install wrk`, "
            "macOS: `brew install wrk`) and run again.",
            file=sys.stderr,
        )
        return 2
    if shutil.which("presence-mock") is None:
        print("bench: no presence-mock on PATH: `pip install -e .` first", file=sys.stderr)
        return 2
    if args.workers and not cli_has_workers():
        print("bench: this presence-mock has no `serve --workers`; drop --workers", file=sys.stderr)
        return 2

    rows: list[str] = []
    rows.append(
        f"| Measure (median of {args.rounds} rounds) | Requests/s | p50 ms | p99 ms "
        "| vs bare route (range) | Server CPU µs/request | ours CPU / bare | Target |"
    )
    rows.append("|---|---:|---:|---:|---:|---:|---:|---|")

    # Throughput: ours, on an account big enough for a full page of 100 and a batch of 30, and
    # the baseline (same command and options, a constant body as long as our single answer),
    # both running throughout. Each round drives the baseline and then each of ours, so every
    # ratio compares runs taken minutes apart at most: on a shared 2-core machine throughput
    # drifts by half between runs, and one late baseline run would skew every ratio.
    port = _free_port()
    command = ["presence-mock", *serve_options(port, args.workers)]
    command += ["--extensions", str(args.load_extensions)]
    with running(command, port) as server:
        token = login(server.base, args.load_extensions)
        ids = extension_ids(server.base, token, 30)
        single_url = f"{server.base}{API}/extension/~/presence"
        status, single_body = _get(single_url, token)
        assert status == 200, single_body
        ours = {
            "single": (single_url, False),
            "batch": (f"{server.base}{API}/extension/{','.join(ids)}/presence", False),
            "page": (f"{server.base}{API}/presence?perPage=100", False),
            "put": (single_url, True),
        }
        bare_port = _free_port()
        bare_command = [sys.executable, "-m", "bench.bare_app", "--body-bytes"]
        bare_command += [str(len(single_body)), *serve_options(bare_port, args.workers)]
        with contextlib.ExitStack() as stack:
            bare_server = stack.enter_context(running(bare_command, bare_port))
            status, _ = _get(bare_server.base + BARE_PATH)
            if status != 200:
                raise SystemExit("bench: the baseline app was not served; see bench/bare_app.py")
            theirs = _other_build(stack, args, server, ids)
            others = _peers(stack, args, single_body)
            # A short warm-up of every URL first: the first seconds of a fresh worker (imports,
            # caches, connections) belong to neither side's steady state.
            warm_up = argparse.Namespace(**{**vars(args), "duration": 1})
            wrk(bare_server.base + BARE_PATH, "-", warm_up)
            for url, put in ours.values():
                wrk(url, token, warm_up, put)
            for _server, url, other_token in theirs.values():
                wrk(url, other_token, warm_up)
            peer_warm_up = argparse.Namespace(**{**vars(args), "duration": args.peer_warm_up})
            for _server, url in others.values():
                wrk(url, "-", peer_warm_up)
            rounds = [
                Round(
                    bare=bare_server.load(bare_server.base + BARE_PATH, "-", args),
                    ours={
                        name: server.load(url, token, args, put)
                        for name, (url, put) in ours.items()
                    },
                    other={
                        name: other.load(url, other_token, args)
                        for name, (other, url, other_token) in theirs.items()
                    },
                    peers={name: peer.load(url, "-", args) for name, (peer, url) in others.items()},
                )
                for _ in range(args.rounds)
            ]

    rows.append(_row(f"bare Flask route ({len(single_body)} B)", rounds, None))
    rows.append(_row("GET one extension's presence", rounds, "single", ">= 0.6x; CPU <= 1.7x"))
    rows.append(_row("GET batch of 30 (207 multipart)", rounds, "batch", ">= 0.4x"))
    rows.append(_row("GET account presence, perPage=100", rounds, "page", ">= 0.3x"))
    put_target = ">= 0.3x; p99 < 50 ms in every round (worst {worst_p99})"
    rows.append(_row("PUT own presence", rounds, "put", put_target))
    if rounds[0].peers:
        rows.append("")
        rows.append("The peers, same rounds, serving our single GET's body (ours: the single GET):")
        rows.append("")
        rows.append(
            "| Peer | Requests/s | p50 ms | p99 ms | ours / peer (range) | bare route / peer "
            "(range) | Server CPU µs/request | peer CPU / ours | Target |"
        )
        rows.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for name in rounds[0].peers:
            rows.append(_peer_row(name, rounds))
    if args.compare_with:
        rows.append("")
        rows.append(f"Against `{args.compare_with}` (its default serve), same rounds:")
        rows.append("")
        rows.append("| Measure | theirs req/s | ours req/s | ours / theirs (range) |")
        rows.append("|---|---:|---:|---:|")
        for name in rounds[0].other:
            rows.append(_compare_row(name, rounds))

    # Start-up to the first 200 and resident memory, per account size.
    sizes: list[str] = [
        "",
        "| Extensions | Start-up to first 200 (s) | Memory, summed PSS (MB) "
        "| Summed RSS (MB, shared pages counted per process) | Target |",
        "|---:|---:|---:|---:|---|",
    ]
    pages: list[str] = []
    for count in args.extensions:
        port = _free_port()
        command = ["presence-mock", *serve_options(port, args.workers)]
        command += ["--extensions", str(count)]
        with running(command, port, timeout=300) as server:
            startup = server.startup_s
            token = login(server.base, count)
            # One page read first, so anything built lazily on first use is counted too.
            _get(f"{server.base}{API}/presence?perPage=100", token)
            memory = server.memory_mb()
            if count == 100_000 or (count == max(args.extensions) and count >= 1000):
                last = (count + 99) // 100
                first_url = f"{server.base}{API}/presence?perPage=100&page=1"
                last_url = f"{server.base}{API}/presence?perPage=100&page={last}"
                # The cost of a page is its latency served alone: with one connection no
                # request queues behind another, so p50 is the page's own work.
                alone = argparse.Namespace(**{**vars(args), "threads": 1, "connections": 1})
                first_load, last_load = wrk(first_url, token, alone), wrk(last_url, token, alone)
                p50_ratio = last_load.p50_ms / first_load.p50_ms
                # Both pages under the full load too, so every worker has read the account.
                wrk(first_url, token, args)
                wrk(last_url, token, args)
                # Again after the loaded runs: the figure above is taken before a worker has
                # run a full garbage collection, which is what un-shares pages copied from the
                # master.
                loaded = server.memory_mb()
                # The worst case: every worker has read every extension (each read writes the
                # reference counts of what it touches, which un-shares those pages).
                walk_account(server.base, token, count)
                walked = server.memory_mb()
                pages = [
                    "",
                    f"| Account of {count:,}, one connection | Requests/s | p50 ms | p99 ms "
                    "| p50 vs page 1 | Target |",
                    "|---|---:|---:|---:|---:|---|",
                    _load_row("page 1, perPage=100", first_load),
                    _load_row(f"page {last} (last), perPage=100", last_load, "<= 1.5x").replace(
                        "| - |", f"| {p50_ratio:.2f}x |"
                    ),
                    "",
                    f"Memory after both pages under load: summed PSS {loaded.pss:.0f} MB "
                    f"(summed RSS {loaded.rss:.0f} MB); after {WALKS} full walks of the account "
                    f"by 8 clients (perPage=1000): summed PSS {walked.pss:.0f} MB "
                    f"(summed RSS {walked.rss:.0f} MB).",
                ]
        target = "< 1 s" if count <= 60 else "< 5 s, < 300 MB" if count >= 100_000 else ""
        sizes.append(
            f"| {count:,} | {startup:.2f} | {memory.pss:.0f} | {memory.rss:.0f} | {target} |"
        )

    workers = f"--workers {args.workers}" if args.workers else "default serve"
    print(
        f"presence-mock benchmark: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {workers}, wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s, {time.strftime('%Y-%m-%d')}\n"
    )
    print("\n".join(rows + sizes + pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
