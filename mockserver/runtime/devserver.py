"""The app `flask --app mockserver run` serves: the emulator's app (web/app.py's `create_app`,
which builds and starts nothing) with its background services (background.py: WebHooks,
office-day) started as threads of the process on its first request.

Flask's CLI looks in a module for an application named `app` before it calls a factory, so
`flask --app mockserver` loads `mockserver.app`: `served_app()`, built on first use. The services
start on the first request, not when the app is built: `flask routes` and the file watcher of
`flask run --reload` build the app too and serve nothing. A program that calls `create_app()`
itself gets the bare app and starts the services where it wants: `with_background(app)`, or
`background.start(emulator)` for threads it stops itself.
"""

from __future__ import annotations

import functools
import threading

from flask import Flask

from mockserver.runtime import background
from mockserver.web.app import create_app
from mockserver.web.context import emulator_of

# Where an app given `with_background` keeps its running services once started.
RUNNING = "presence_mock.background"


def with_background(app: Flask) -> Flask:
    """`app`, starting its emulator's background services on its first request (once a
    process; they run until the process ends, or `app.extensions[RUNNING].stop()`)."""
    emulator = emulator_of(app)
    lock = threading.Lock()

    @app.before_request
    def start_background() -> None:
        if RUNNING in app.extensions:
            return
        with lock:
            if RUNNING not in app.extensions:
                app.extensions[RUNNING] = background.start(emulator)

    return app


@functools.cache
def served_app() -> Flask:
    """The app of `flask --app mockserver`: settings from the environment, services on."""
    return with_background(create_app())
