"""compose.yaml is a valid Compose file and runs what it says: checked against the Compose
Specification's JSON Schema (vendored in tests/support/compose_spec/, no network), two replicas
of the image sharing one Redis, and every published port the port the replica's settings make it
listen on, with wstoken's `uri` naming a port that is published under its own number (or a
`PRESENCE_MOCK_GATEWAY_PUBLIC_URL` naming where it is published)."""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft7Validator

from mockserver.config import Settings, gateway_port_of
from tests.support.paths import REPO

SCHEMA = json.loads(
    (REPO / "tests" / "support" / "compose_spec" / "compose-spec.json").read_text(encoding="utf-8")
)
COMPOSE_TEXT = (REPO / "compose.yaml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)


def _dockerfile() -> list[tuple[str, str]]:
    found, pending = [], ""
    for line in (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines():
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


IMAGE_ENV = {
    key: value
    for keyword, rest in _dockerfile()
    if keyword == "ENV"
    for key, value in (pair.split("=", 1) for pair in shlex.split(rest))
}
EXPOSED = {
    int(port) for keyword, rest in _dockerfile() if keyword == "EXPOSE" for port in rest.split()
}
REPLICAS = {name: s for name, s in COMPOSE["services"].items() if "build" in s}


def _settings(service: dict[str, Any]) -> Settings:
    """What `serve` in this replica's container runs with: the image's ENV, then compose's."""
    env = {**IMAGE_ENV, **{k: str(v) for k, v in (service.get("environment") or {}).items()}}
    return Settings.from_env(env)


def _published(service: dict[str, Any]) -> dict[int, int]:
    """container port -> host port, from the `HOST:CONTAINER` short form."""
    found = {}
    for entry in service.get("ports", []):
        host, _, container = str(entry).rpartition(":")
        found[int(container)] = int(host.rpartition(":")[2])
    return found


def test_compose_yaml_is_valid_under_the_compose_specification() -> None:
    Draft7Validator.check_schema(SCHEMA)
    problems = sorted(Draft7Validator(SCHEMA).iter_errors(COMPOSE), key=str)
    assert not problems, "\n".join(f"{list(p.absolute_path)}: {p.message}" for p in problems)


def test_the_schema_catches_the_mistake_this_file_once_had() -> None:
    """A setting under `depends_on:` (a service name there must map to a condition)."""
    broken = yaml.safe_load(COMPOSE_TEXT)
    broken["services"]["presence-a"]["depends_on"]["PRESENCE_MOCK_GATEWAY_PORT"] = "9081"
    assert list(Draft7Validator(SCHEMA).iter_errors(broken))


def test_two_replicas_of_the_image_and_one_redis() -> None:
    assert len(REPLICAS) == 2
    stores = {_settings(s).store for s in REPLICAS.values()}
    assert len(stores) == 1 and urlsplit(stores.pop()).scheme == "redis"
    assert any(s.get("image", "").startswith("redis:") for s in COMPOSE["services"].values())


def test_the_image_exposes_the_ports_serve_listens_on_by_default() -> None:
    settings = Settings.from_env(IMAGE_ENV)
    assert settings.host == "0.0.0.0"  # reachable through a published port
    assert {settings.port, gateway_port_of(settings)} <= EXPOSED


@pytest.mark.parametrize("name", sorted(REPLICAS))
def test_each_replica_publishes_both_of_its_ports(name: str) -> None:
    service = REPLICAS[name]
    settings = _settings(service)
    published = _published(service)
    rest, gateway = settings.port, gateway_port_of(settings)
    assert rest in published, f"{name}: the REST port {rest} is not published"
    assert gateway in published, f"{name}: the gateway port {gateway} is not published"
    # wstoken's uri names the gateway's port on the host the client used: that port must be the
    # one published, or the public URL must say where it is.
    public = settings.gateway_public_url
    if public is None:
        assert published[gateway] == gateway, name
    else:
        assert urlsplit(public).port == published[gateway], name


def test_host_ports_are_not_shared_between_replicas() -> None:
    ports = [port for s in REPLICAS.values() for port in _published(s).values()]
    assert len(ports) == len(set(ports))


def test_the_replicas_health_check_is_the_images() -> None:
    checks = [rest for keyword, rest in _dockerfile() if keyword == "HEALTHCHECK"]
    assert checks and "/_mock/health" in checks[0] and "PRESENCE_MOCK_PORT" in checks[0]
