"""Flask apps for PresenceMock, built once and handed to the next mock when their mock is gone.

Building the app is most of a mock's set-up (werkzeug compiles every URL rule of the route
table, about 0.1 s), yet an app holds nothing of its own but the emulator it serves
(`app.extensions`): the routes, hooks and configuration are the same for every mock. So when a
mock is garbage (a test is over), its app goes back here, and the next mock takes it with its own
emulator. An app a test changed (a blueprint, a rule, a hook or a setting of its own), or one
still held after its mock is gone (`client = PresenceMock().app.test_client()`), is never handed
on: a mock then builds a fresh one, as it always did.
"""

from __future__ import annotations

import sys
import threading
import weakref
from dataclasses import dataclass

from flask import Flask

from mockserver.emulator import Emulator
from mockserver.web.app import create_app
from mockserver.web.context import EXTENSION

SPARE = 4  # apps kept for the next mocks; more mocks alive at once build their own


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a test could change on an app: if any of it moved, the app is not handed on."""

    rules: int
    views: int
    blueprints: tuple[str, ...]
    hooks: tuple[int, ...]
    config: tuple[tuple[str, str], ...]
    extensions: tuple[str, ...]


def _shape(app: Flask) -> _Shape:
    return _Shape(
        rules=len(app.url_map._rules),
        views=len(app.view_functions),
        blueprints=tuple(app.blueprints),
        hooks=(
            *(
                sum(len(funcs) for funcs in registry.values())
                for registry in (
                    app.before_request_funcs,
                    app.after_request_funcs,
                    app.teardown_request_funcs,
                    app.url_value_preprocessors,
                    app.url_default_functions,
                    app.template_context_processors,
                )
            ),
            _handlers(app),
        ),
        config=tuple(sorted((key, repr(value)) for key, value in app.config.items())),
        extensions=tuple(sorted(app.extensions)),
    )


def _handlers(app: Flask) -> int:
    # A defaultdict: looking a blueprint's handlers up adds an empty entry, so count handlers.
    return sum(
        len(handlers) for codes in app.error_handler_spec.values() for handlers in codes.values()
    )


_spare: list[tuple[Flask, _Shape, int]] = []
_lock = threading.Lock()


def app_for(owner: object, emulator: Emulator) -> Flask:
    """An app serving `emulator`, for `owner` (it comes back here when `owner` is garbage)."""
    app = _take()
    if app is None:
        app = create_app(emulator=emulator)
    else:
        from mockserver.web import controls

        controls.check_settings(emulator.settings)  # as create_app does
        app.extensions[EXTENSION] = emulator
        # A fresh app takes blueprints of the test's own until it answers its first request.
        setattr(app, "_got_first_request", False)  # noqa: B010 - Flask's own flag
    # References from the app's own parts: this frame's and the call's left out.
    held = sys.getrefcount(app) - 2
    weakref.finalize(owner, _give_back, app, _shape(app), held)
    return app


def _take() -> Flask | None:
    """A spare app nobody holds any more and no test changed, or None."""
    while True:
        with _lock:
            if not _spare:
                return None
            app, shape, held = _spare.pop()
        # Judged now, not when its mock went: then the mock's own parts still held it.
        if sys.getrefcount(app) - 2 == held and _shape(app) == shape:
            return app


def _give_back(app: Flask, shape: _Shape, held: int) -> None:
    with _lock:
        if len(_spare) < SPARE:
            _spare.append((app, shape, held))
