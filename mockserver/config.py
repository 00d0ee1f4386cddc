"""Settings of one emulator: defaults, then PRESENCE_MOCK_<NAME> variables, then flags."""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "PRESENCE_MOCK_"
DEFAULT_SEED = 20261121
DEFAULT_EXTENSIONS = 60  # in the first account
MIN_EXTENSIONS = 50  # 40 users and one of each of the 9 non-user types (directory/builder.py)
MAX_EXTENSIONS = 100_000
RATE_LIMIT_MODES = ("off", "headers", "enforce")
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")
ACTIVITIES = ("office-day",)  # the backgrounds `serve --activity` runs
# office-day's pace: ten times faster than life, so the default account visibly moves within
# seconds (a happening about every second); 1.0 is the realistic pace (decision CALL-80).
DEFAULT_ACTIVITY_RATE = 10.0
# A given --credentials-secret must at least be out of reach of guessing (token_urlsafe(32) is 43).
MIN_SECRET_LENGTH = 16
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def default_workers() -> int:
    """One per core, at most 4: granian's workers each run two app threads beside their I/O
    thread, so one process a core keeps the cores busy (docs/benchmark.md)."""
    return max(1, min(os.cpu_count() or 1, 4))


class ConfigError(ValueError):
    """A setting with a value the emulator cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    seed: int = DEFAULT_SEED
    extensions: int = DEFAULT_EXTENSIONS
    fixture: str | None = None
    store: str = "memory://"
    validate_responses: bool = False
    strict_requests: bool = False
    rate_limits: str = "headers"  # off | headers | enforce (mockserver/platform/ratelimit.py)
    rate_limit: str | None = None  # overrides, e.g. "heavy=100/60,auth=20"
    workers: int = field(default_factory=default_workers)
    # /_mock/: on (open), off (gone but health), token (a bearer secret, controls_token)
    controls: str = "on"
    controls_token: str | None = field(default=None, repr=False)
    # Who may reach the servers by name (DNS rebinding): host names or patterns, comma-separated,
    # besides localhost, IP literals and --host (mockserver/access.py).
    allowed_hosts: str | None = None
    log_level: str = "info"  # debug | info | warning | error
    log_format: str = "text"  # text | json (one object per line)
    # Credentials: app secrets, the JWT key and passwords derived from credentials_secret instead
    # of the fixed demo ones; serve makes a secret when none is given (with_credentials_secret).
    random_credentials: bool = False
    credentials_secret: str | None = field(default=None, repr=False)
    credentials_file: str | None = None  # serve writes the credentials here (mode 0600)
    ready_file: str | None = None  # serve writes its URLs here once both servers answer
    # Simulated calls: a scenario file serve plays once it answers, and a background activity.
    scenario: str | None = None
    activity: str | None = None
    activity_rate: float = DEFAULT_ACTIVITY_RATE
    webhook_https_only: bool = False  # refuse http:// WebHook addresses (SUB-523)
    # WebHook addresses beyond loopback the emulator may POST to: comma-separated host names,
    # `*.suffix` patterns and IP literals, or `any` (mockserver/events/addresses.py).
    webhook_allow: str | None = None
    # Chaos: start-up latency and fault rules (comma-separated, mockserver/chaos/specs.py)
    # and the seed of their draws (default: `seed`).
    latency: str | None = None
    fault: str | None = None
    chaos_seed: int | None = None
    # The WebSocket gateway's port (serve starts it beside the workers); None: the
    # REST port + 1 (a free one when the REST port is 0); 0: a free port (logged at start).
    gateway_port: int | None = None
    # Where clients reach the gateway when that is not the REST host name and the gateway's own
    # port (a container's ports published under other numbers, a proxy): a base URL
    # (http, https, ws or wss, a path prefix allowed) that wstoken's uri, /_mock/gateway and the
    # board's stream are built on (mockserver/web/gateway_links.py).
    gateway_public_url: str | None = None
    board: bool = True  # the presence board at /_mock/board (and `/`)
    # Gateway bounds (docs/security.md): seconds between the gateway's pings of a socket, which
    # a client's own frames never put off; a pong must come within 10 s (or half of this).
    gateway_ping: float = 30.0
    # Secrets kept off the command line (`ps` shows every process's arguments to every user):
    # files whose first line is the controls token or the credentials secret (with_secret_files).
    controls_token_file: str | None = None
    credentials_secret_file: str | None = None
    # Snapshots (docs/snapshots.md): serve starts from this snapshot file's accounts and state,
    # and writes its state to export_on_exit when it stops cleanly (SIGTERM, Ctrl-C).
    import_snapshot: str | None = None
    export_on_exit: str | None = None

    def __post_init__(self) -> None:
        # Checked here, so a flag, a variable and a create_app() mapping all get the same
        # one-line refusal (the CLI prints it and exits 2), never a traceback later on.
        _require(0 <= self.port <= 65535, "port", self.port, "a port number 0..65535")
        _require(
            MIN_EXTENSIONS <= self.extensions <= MAX_EXTENSIONS,
            "extensions",
            self.extensions,
            f"{MIN_EXTENSIONS}..{MAX_EXTENSIONS:,}",
        )
        _require(self.workers >= 1, "workers", self.workers, "1 or more")
        gateway = self.gateway_port
        _require(
            gateway is None or 0 <= gateway <= 65535, "gateway_port", gateway, "a port 0..65535"
        )
        gateway_public_base(self.gateway_public_url)  # a bad URL: one line naming it
        _require(
            0 < self.gateway_ping <= 3600, "gateway_ping", self.gateway_ping, "0 < seconds <= 3600"
        )
        for name, allowed in (
            ("rate_limits", RATE_LIMIT_MODES),
            ("log_level", LOG_LEVELS),
            ("log_format", LOG_FORMATS),
        ):
            value = getattr(self, name)
            _require(value in allowed, name, value, "one of " + ", ".join(allowed))
        _require(
            self.activity is None or self.activity in ACTIVITIES,
            "activity",
            self.activity,
            "one of " + ", ".join(ACTIVITIES),
        )
        _require(
            0 < self.activity_rate <= 1000, "activity_rate", self.activity_rate, "0 < rate <= 1000"
        )
        webhook_allow_entries(self.webhook_allow)  # a bad entry: one line naming it
        if self.credentials_secret is not None and len(self.credentials_secret) < MIN_SECRET_LENGTH:
            # Never the value in the message: it is a secret, and this line goes to a terminal.
            raise ConfigError(
                f"--credentials-secret / {ENV_PREFIX}CREDENTIALS_SECRET: expected at least "
                f"{MIN_SECRET_LENGTH} characters"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        found: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + spec.name.upper())
            if raw is not None:
                found[spec.name] = _convert(ENV_PREFIX + spec.name.upper(), raw, spec.type)
        return cls(**found)

    def override(self, **values: Any) -> Settings:
        """A copy with the given non-None values (command-line flags win over the environment)."""
        return dataclasses.replace(self, **{k: v for k, v in values.items() if v is not None})


# What --webhook-allow takes: a host name, `*.` and a host name, an IP literal, or `any`.
_HOST_NAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")
WEBHOOK_ALLOW_ANY = "any"


def host_list(raw: str | None) -> tuple[str, ...]:
    """The entries of a comma-separated list of host names or patterns, lower case."""
    return tuple(e.strip().lower() for e in (raw or "").split(",") if e.strip())


def webhook_allow_entries(raw: str | None) -> tuple[str, ...]:
    """The entries of --webhook-allow, lower case, checked: each a host name (`receiver`), a
    pattern (`*.internal`: any name ending in `.internal`), an IP literal, or `any`."""
    entries = host_list(raw)
    for entry in entries:
        name = entry.removeprefix("*.")
        if entry == WEBHOOK_ALLOW_ANY or (entry == name and _ip_literal(entry)):
            continue
        if not _HOST_NAME.fullmatch(name) or name.rsplit(".", 1)[-1].isdigit():
            raise ConfigError(
                f"--webhook-allow / {ENV_PREFIX}WEBHOOK_ALLOW {entry!r}: expected a host name, "
                "*.name, an IP address or any"
            )
    return entries


def _ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


GATEWAY_PUBLIC_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def gateway_public_base(raw: str | None) -> tuple[str, str] | None:
    """--gateway-public-url as (the WebSocket base, the HTTP base), each without a trailing
    slash: `https://mock.test/gw` gives (`wss://mock.test/gw`, `https://mock.test/gw`)."""
    if raw is None:
        return None
    problem = f"--gateway-public-url / {ENV_PREFIX}GATEWAY_PUBLIC_URL {raw!r}: expected "
    try:
        parts = urlsplit(raw.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ConfigError(problem + "a URL such as ws://localhost:18081") from None
    if parts.scheme not in GATEWAY_PUBLIC_SCHEMES or not parts.hostname:
        raise ConfigError(problem + "an http, https, ws or wss URL with a host name")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(problem + "no query, fragment or user name")
    secure = GATEWAY_PUBLIC_SCHEMES[parts.scheme] == "wss"
    rest = f"{parts.netloc}{parts.path.rstrip('/')}"
    return (f"{'wss' if secure else 'ws'}://{rest}", f"{'https' if secure else 'http'}://{rest}")


def gateway_port_of(settings: Settings) -> int:
    """The gateway's port as configured: --gateway-port, else the REST port + 1 (0 stays 0, a
    free port; so does a REST port of 65535, which has no next one)."""
    if settings.gateway_port is not None:
        return settings.gateway_port
    return settings.port + 1 if 0 < settings.port < 65535 else 0


def with_credentials_secret(settings: Settings) -> Settings:
    """Settings whose credentials are settled: a given secret means random credentials, and
    random credentials without one get a fresh secret (token_urlsafe: 256 bits). Idempotent, so
    every place that builds an emulator may call it; a process must call it once and hand the
    result on, or two parts of it would disagree."""
    if settings.credentials_secret is not None:
        return settings.override(random_credentials=True)
    if not settings.random_credentials:
        return settings
    return settings.override(credentials_secret=secrets.token_urlsafe(32))


SECRET_FILES = (
    ("controls_token_file", "controls_token"),
    ("credentials_secret_file", "credentials_secret"),
)


def with_secret_files(settings: Settings) -> Settings:
    """Settings with each secret file read into its secret (the file's first line, without its
    line end). A secret given both ways, or a file that cannot be read or is empty, is refused in
    one line that names the option, never the secret."""
    found: dict[str, Any] = {}
    for file_name, secret_name in SECRET_FILES:
        path = getattr(settings, file_name)
        if path is None:
            continue
        flag = "--" + file_name.replace("_", "-")
        if getattr(settings, secret_name) is not None:
            other = "--" + secret_name.replace("_", "-")
            raise ConfigError(f"{flag}: {other} is given too; give one of them")
        try:
            with open(path, encoding="utf-8") as source:
                value = source.readline(64 * 1024).rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ConfigError(f"{flag} {path}: {reason}") from None
        if not value:
            raise ConfigError(f"{flag} {path}: the first line is empty")
        found[secret_name] = value
    return dataclasses.replace(settings, **found) if found else settings


def _require(ok: bool, name: str, value: object, expected: str) -> None:
    if not ok:
        flag = "--" + name.replace("_", "-")
        raise ConfigError(f"{flag} / {ENV_PREFIX}{name.upper()} {value!r}: expected {expected}")


def variable_names() -> list[str]:
    """Every PRESENCE_MOCK_ variable the settings read."""
    return [ENV_PREFIX + spec.name.upper() for spec in dataclasses.fields(Settings)]


def unknown_variables(environ: Mapping[str, str], known: Iterable[str]) -> list[str]:
    """One line per PRESENCE_MOCK_ variable nobody reads (a typo is otherwise silently ignored),
    naming the closest known one."""
    names = sorted(set(known))
    # Compared without the prefix every name shares, which would make any two look alike.
    tails = [name.removeprefix(ENV_PREFIX) for name in names]
    lines = []
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and name not in names:
            close = difflib.get_close_matches(name.removeprefix(ENV_PREFIX), tails, n=1)
            hint = f"; did you mean {ENV_PREFIX}{close[0]}?" if close else ""
            lines.append(f"presence-mock: ignoring unknown variable {name}{hint}")
    return lines


def _convert(name: str, raw: str, kind: object) -> Any:
    if kind == "int | None" and not raw.strip():
        return None  # set but empty: the default (the gateway's port: the REST port + 1)
    if kind in ("int", int, "int | None"):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if kind in ("bool", bool):
        return parse_bool(name, raw)
    if kind in ("float", float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r}: expected a number") from None
    return raw or None if kind == "str | None" else raw


def parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    raise ConfigError(f"{name}={raw!r}: expected 1/0, true/false, yes/no or on/off")
