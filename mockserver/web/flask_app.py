"""The emulator's Flask class: Flask as it is, less two costs every request paid for nothing.

* Routing: a client asks the same few paths again and again, and werkzeug's matcher walks the
  emulator's rule tree segment by segment for each. The map remembers what a path matched (per
  host, method and path; redirects and failures are never remembered, and adding a rule forgets
  everything), so a path asked before is one dictionary lookup.
* Binding: Flask binds the map to each request's host (parsed, checked and IDNA-encoded each
  time); the binding of a host seen before is remembered (per Host, server name and port,
  scheme, mount point and WebSocket upgrade; only where Flask binds plainly: no SERVER_NAME,
  TRUSTED_HOSTS, host or subdomain matching).
* Sessions: the emulator keeps no Flask session (the platform's sessions are its tokens), yet
  Flask makes an empty one for every request. Without a secret key every request now shares one
  null session, which refuses every write as Flask's own does; with a key (a user's own
  blueprint may want sessions) Flask's cookie sessions work as usual.
* `ensure_sync`: Flask asks of every hook and view, on every request, whether it is a coroutine
  function. The emulator has none, so the answer is worked out once per function.

Each keeps Flask's behaviour: the same rule and arguments, the same errors (decision PERF-10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Request
from flask.sessions import NullSession, SecureCookieSessionInterface
from werkzeug.routing import Map, MapAdapter, Rule, RuleFactory

MATCHES_KEPT = 2048  # distinct (host, method, path) remembered; then forgotten all at once
BINDINGS_KEPT = 256  # distinct hosts (and the rest of a binding's key) remembered
SYNCED_KEPT = 1024  # functions remembered (hooks and views: a few dozen)

Match = tuple[Rule, Mapping[str, Any]]


class RememberingMap(Map):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matched: dict[tuple[str, str | None, str, str, bool], Match] = {}

    def add(self, rulefactory: RuleFactory) -> None:
        self.matched = {}
        super().add(rulefactory)

    def bind(self, *args: Any, **kwargs: Any) -> MapAdapter:
        return _remembering(super().bind(*args, **kwargs))

    def bind_to_environ(self, *args: Any, **kwargs: Any) -> MapAdapter:
        # werkzeug's bind_to_environ calls Map.bind itself, not self.bind.
        return _remembering(super().bind_to_environ(*args, **kwargs))


class RememberingAdapter(MapAdapter):
    map: RememberingMap

    def match(self, *args: Any, **kwargs: Any) -> Any:
        # Flask asks match(return_rule=True) of the adapter it bound; anything else is werkzeug's.
        return_rule = kwargs.pop("return_rule", False)
        if args or kwargs:
            return super().match(*args, return_rule=return_rule, **kwargs)  # type: ignore[call-overload]
        key = (
            self.server_name,
            self.subdomain,
            self.path_info,
            self.default_method,
            self.websocket,
        )
        found = self.map.matched.get(key)
        if found is None:
            found = super().match(return_rule=True)
            if found[0].redirect_to is None:
                matched = self.map.matched
                if len(matched) >= MATCHES_KEPT:
                    matched.clear()
                matched[key] = found
        rule, arguments = found
        # Views take their arguments as keywords: each request gets its own dict.
        return (rule if return_rule else rule.endpoint), dict(arguments)


def _decoded(value: str) -> str:
    """A WSGI string as werkzeug reads it (PEP 3333: bytes as latin-1, meant as UTF-8)."""
    return value.encode("latin1").decode(errors="replace")


def _remembering(adapter: MapAdapter) -> MapAdapter:
    adapter.__class__ = RememberingAdapter  # the same object, with `match` above
    return adapter


class SharedNullSessions(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self.null = NullSession()

    def open_session(self, app: Flask, request: Request) -> Any:
        if not app.secret_key:
            return self.null
        return super().open_session(app, request)

    def make_null_session(self, app: Flask) -> NullSession:
        return self.null


Binding = tuple[str, str, str, str | None, str]  # request.host and the adapter's own four
BINDING_KEYS = (
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "SCRIPT_NAME",
    "HTTP_CONNECTION",
    "HTTP_UPGRADE",
)


class EmulatorFlask(Flask):
    url_map_class = RememberingMap
    session_interface = SharedNullSessions()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._bindings: dict[tuple[Any, ...], Binding] = {}

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        config = self.config
        plain = (
            config["SERVER_NAME"] is None
            and config["TRUSTED_HOSTS"] is None
            and not self.url_map.host_matching
            and not self.subdomain_matching
        )
        if request is None or not plain:
            return super().create_url_adapter(request)
        environ = request.environ
        key = tuple(environ.get(name) for name in BINDING_KEYS)
        bound = self._bindings.get(key)
        if bound is None:
            adapter = super().create_url_adapter(request)
            assert adapter is not None
            if len(self._bindings) >= BINDINGS_KEPT:
                self._bindings.clear()
            self._bindings[key] = (
                request.host,
                adapter.server_name,
                adapter.script_name,
                adapter.subdomain,
                adapter.url_scheme,
            )
            return adapter
        host, server_name, script_name, subdomain, scheme = bound
        request.host = host  # as Flask's own create_url_adapter does
        path, query = environ.get("PATH_INFO"), environ.get("QUERY_STRING")
        return RememberingAdapter(
            self.url_map,
            server_name,
            script_name,
            subdomain,
            scheme,
            "/" if path is None else _decoded(path),
            environ["REQUEST_METHOD"],
            None if query is None else _decoded(query),
        )

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        synced = self._synced.get(func)
        if synced is None:
            synced = super().ensure_sync(func)
            if len(self._synced) >= SYNCED_KEPT:
                self._synced.clear()
            self._synced[func] = synced
        return synced
