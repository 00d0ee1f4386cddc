"""Which directory the emulator serves: the fixture file when one is named (`--fixture`),
else the generated office of the seed (`--seed`, `--extensions`)."""

from __future__ import annotations

import os

from mockserver.config import Settings
from mockserver.directory.builder import build_directory
from mockserver.directory.fixtures import load_fixture
from mockserver.directory.model import Directory


def directory_of(fixture: str | os.PathLike[str] | None, seed: int, extensions: int) -> Directory:
    """The fixture file's accounts when `fixture` is named, else the seed's generated ones."""
    return load_fixture(fixture) if fixture else build_directory(seed, extensions)


def directory_for(settings: Settings) -> Directory:
    """The directory these settings name."""
    return directory_of(settings.fixture, settings.seed, settings.extensions)
