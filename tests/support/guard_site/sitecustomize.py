"""Installs the loopback guard in every Python process a test run starts (see
loopback_guard.py): Python imports `sitecustomize` from PYTHONPATH at start-up."""

import os

if os.environ.get("LOOPBACK_GUARD_LOG"):
    import loopback_guard

    loopback_guard.install()
