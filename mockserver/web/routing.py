"""Blueprint rules from the route table, and none of the answers the platform would not give."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import HTTPException

from mockserver.operations import BY_ENDPOINT, Operation


def register(
    blueprint: Blueprint, table: Sequence[Operation], views: Mapping[str, Callable[..., Any]]
) -> None:
    """A rule per operation of `table`, served by the view of the same endpoint name."""
    missing = {operation.endpoint for operation in table} ^ set(views)
    if missing:
        raise ValueError(f"operations and views differ: {sorted(missing)}")
    for operation in table:
        blueprint.add_url_rule(
            operation.rule,
            endpoint=operation.endpoint,
            view_func=views[operation.endpoint],
            methods=[operation.method],
            # The platform answers OPTIONS and HEAD with errors, not with Flask's automatic ones.
            provide_automatic_options=False,
        )


def drop_automatic_head(app: Flask) -> None:
    """werkzeug adds HEAD to every GET rule; the emulator's own rules answer it with 405."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in BY_ENDPOINT and rule.methods is not None:
            rule.methods.discard("HEAD")


def advertised_methods(valid: Iterable[str]) -> list[str]:
    """The methods an `Allow` header names for this request's path: those of its operations in
    the route table (a rule that serves another method, such as the login form's POST to
    authorize, is not advertised), and every method of the emulator's own rules."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    kept = []
    for method in sorted(valid):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        operation = BY_ENDPOINT.get(str(endpoint))
        if operation is None or operation.method == method:
            kept.append(method)
    return kept
