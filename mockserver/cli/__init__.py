"""The `presence-mock` command: serve, credentials, contract."""

from mockserver.cli.main import main

__all__ = ["main"]
