"""Settings of one emulator: defaults, then PRESENCE_MOCK_<NAME> variables, then flags."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "PRESENCE_MOCK_"
DEFAULT_SEED = 20261121
DEFAULT_EXTENSIONS = 60  # in the first account
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def default_workers() -> int:
    """Two per core, at most 4: enough to keep 2 cores busy, small enough for a laptop's RAM."""
    return max(1, min(2 * (os.cpu_count() or 1), 4))


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
    rate_limits: str = "headers"  # off | headers | enforce (mockserver/ratelimit.py)
    rate_limit: str | None = None  # overrides, e.g. "heavy=100/60,auth=20"
    workers: int = field(default_factory=default_workers)
    # /_mock/: on (open), off (gone but health), token (a bearer secret, controls_token)
    controls: str = "on"
    controls_token: str | None = None

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


def _convert(name: str, raw: str, kind: object) -> Any:
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if kind in ("bool", bool):
        lowered = raw.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ConfigError(f"{name}={raw!r}: expected 1/0, true/false, yes/no or on/off")
    return raw or None if kind == "str | None" else raw
