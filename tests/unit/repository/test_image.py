"""The image and compose.yaml, checked without a container (none can run where the tests run).

What can be checked here: the package set the Dockerfile installs, the PRESENCE_MOCK_* settings
that the Dockerfile and compose.yaml give `serve`, and that the redis:// store compose names opens
with the client that set brings (against the tests' own redis-server on loopback)."""

from __future__ import annotations

import dataclasses
import re
import shlex
import tomllib
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from mockserver.config import ENV_PREFIX, Settings
from mockserver.storage import store_from_url
from mockserver.storage.redis import RedisStore
from tests.support.paths import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
SETTINGS = {field.name for field in dataclasses.fields(Settings)}


# -- reading the Dockerfile -----------------------------------------------------------------------
def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    found: list[tuple[str, str]] = []
    pending = ""
    for line in lines:
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, rest = pending.strip().partition(" ")
        found.append((keyword.upper(), rest.strip()))
        pending = ""
    return found


def pip_install_targets() -> list[str]:
    """What each `pip install` of a RUN line installs (its non-option arguments)."""
    targets: list[str] = []
    for keyword, rest in instructions():
        if keyword != "RUN":
            continue
        words = shlex.split(rest)
        for i, word in enumerate(words):
            if word == "install" and i and words[i - 1] in ("pip", "pip3"):
                for arg in words[i + 1 :]:
                    if arg in ("&&", "||", ";"):
                        break
                    if not arg.startswith("-"):
                        targets.append(arg)
    return targets


def image_env() -> dict[str, str]:
    """The ENV of the Dockerfile (KEY=value pairs)."""
    env: dict[str, str] = {}
    for keyword, rest in instructions():
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
    return env


def image_extras() -> set[str]:
    """The extras of the package as the image installs it (`.[a,b]` -> {a, b})."""
    local = [t for t in pip_install_targets() if t == "." or t.startswith((".[", "./"))]
    assert len(local) == 1, f"expected one install of the package itself, found {local}"
    found = re.fullmatch(r"\.(?:\[([^\]]*)\])?", local[0])
    assert found, f"cannot read the extras of {local[0]!r}"
    return {extra.strip() for extra in (found.group(1) or "").split(",") if extra.strip()}


# -- reading compose.yaml -------------------------------------------------------------------------
def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the `- KEY=value` form
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def settings_given() -> list[tuple[str, str, str]]:
    """(where, variable, value) of every PRESENCE_MOCK_* the image and compose.yaml set."""
    given = [("Dockerfile", k, v) for k, v in image_env().items() if k.startswith(ENV_PREFIX)]
    for name, service in COMPOSE["services"].items():
        for key, value in environment(service).items():
            if key.startswith(ENV_PREFIX):
                given.append((f"compose {name}", key, value))
    return given


def replicas() -> dict[str, dict[str, Any]]:
    """The compose services built from this repository's Dockerfile."""
    return {name: s for name, s in COMPOSE["services"].items() if "build" in s}


# -- the image ------------------------------------------------------------------------------------
def test_the_image_installs_the_package_with_its_redis_extra() -> None:
    extras = image_extras()
    assert "redis" in extras
    assert "test" not in extras  # runtime only


def test_the_redis_extra_is_the_redis_client() -> None:
    extra = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["redis"]]
    assert "redis" in {r.name for r in extra}


def test_what_the_image_installs_is_installed_here_and_imports() -> None:
    """The package's dependencies and the image's extras, each present in a version it allows,
    so the redis:// test below runs with the package set the image has."""
    wanted = list(PYPROJECT["project"]["dependencies"])
    for extra in image_extras():
        wanted += PYPROJECT["project"]["optional-dependencies"][extra]
    for requirement in map(Requirement, wanted):
        if requirement.marker and not requirement.marker.evaluate():
            continue
        version = metadata.version(requirement.name)
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
    import redis  # the client RedisStore imports lazily

    assert redis.Redis


def test_serve_is_the_images_command() -> None:
    commands = [rest for keyword, rest in instructions() if keyword == "CMD"]
    assert commands and commands[-1] == '["presence-mock", "serve"]'
    assert "presence-mock" in PYPROJECT["project"]["scripts"]


# -- the settings they give serve -----------------------------------------------------------------
def test_compose_and_the_image_set_some_settings() -> None:
    variables = {variable for _, variable, _ in settings_given()}
    assert {"PRESENCE_MOCK_HOST", "PRESENCE_MOCK_PORT", "PRESENCE_MOCK_STORE"} <= variables


@pytest.mark.parametrize(("where", "variable", "value"), settings_given())
def test_every_variable_is_a_setting_serve_accepts(where: str, variable: str, value: str) -> None:
    name = variable.removeprefix(ENV_PREFIX).lower()
    assert name in SETTINGS, f"{where}: {variable} is no setting of serve ({sorted(SETTINGS)})"
    settings = Settings.from_env({variable: value})  # ConfigError on a value it refuses
    assert str(getattr(settings, name)) == value


def test_the_compose_store_is_the_compose_redis() -> None:
    stores = {environment(s).get("PRESENCE_MOCK_STORE") for s in replicas().values()}
    assert len(stores) == 1, "every replica must share one store"
    url = urlsplit(stores.pop() or "")
    assert url.scheme == "redis"
    redis_service = COMPOSE["services"][url.hostname]
    assert redis_service["image"].startswith("redis:")
    assert url.port == 6379


def test_the_replicas_wait_for_a_healthy_redis() -> None:
    # serve pings its store at start-up and exits when it cannot reach it.
    redis_name = urlsplit(environment(next(iter(replicas().values())))["PRESENCE_MOCK_STORE"])
    assert COMPOSE["services"][redis_name.hostname].get("healthcheck")
    for name, service in replicas().items():
        wait = service["depends_on"][redis_name.hostname]
        assert wait == {"condition": "service_healthy"}, name


def test_the_compose_store_opens_with_the_installed_client(redis_server: str) -> None:
    """compose's redis:// URL, pointed at the tests' redis-server: the store opens and works."""
    store_url = urlsplit(environment(next(iter(replicas().values())))["PRESENCE_MOCK_STORE"])
    here = store_url._replace(netloc=urlsplit(redis_server).netloc).geturl()
    store = store_from_url(here)
    assert isinstance(store, RedisStore)
    store.put("image-test", "key", {"compose": True})
    assert store.take("image-test", "key") == {"compose": True}
