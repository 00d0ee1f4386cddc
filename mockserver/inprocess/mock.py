"""In-process mode: the emulator behind `responses`, for Python clients built on `requests`.

No server and no port: every `requests` call to one of the base URLs is turned into a WSGI
request and answered by the very Flask app `serve` runs (same routing, views and hooks), then
handed back. Any other `requests` call is refused (a test must not reach the network by
accident) unless `passthrough` names it: then it goes to the real server, through responses'
own pass-through. The only module importing `responses`.

It composes with a test's own `responses` mocks (docs/in-process.md#with-your-own-responses-mocks):
its registry is public (`mock.responses`, add stubs there), it registers on a `RequestsMock` it
is given (`PresenceMock(responses=theirs)`), started inside another active mock it hands every
URL it does not emulate to that one, and while it runs its route is also in responses' default
registry, so a `@responses.activate` test inside it still reaches the emulator.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from http.client import responses as HTTP_REASONS
from io import BytesIO
from typing import Any, TypeVar

import responses
from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from responses import CallbackResponse, RequestsMock
from urllib3 import HTTPHeaderDict, HTTPResponse

from mockserver.chaos import INPROCESS, NetworkFault
from mockserver.config import Settings
from mockserver.directory.model import Directory
from mockserver.directory.source import directory_of
from mockserver.emulator import Emulator
from mockserver.events.explain import Explainer, describe
from mockserver.events.webhooks import Answer, Outgoing
from mockserver.inprocess.apps import app_for
from mockserver.inprocess.network import as_raised
from mockserver.inprocess.wsgi import WsgiAnswer, WsgiCaller
from mockserver.platform.users import users
from mockserver.runtime import background
from mockserver.snapshots import Snapshot, SnapshotError, import_snapshot
from mockserver.snapshots import directory_of as snapshot_directory
from mockserver.snapshots.files import read_snapshot
from mockserver.storage import store_from_url
from mockserver.telephony.scenario import EngineDriver, Playback, load
from mockserver.telephony.switchboard import Switchboard

PRODUCTION = "https://platform.ringcentral.com"
SANDBOX = "https://platform.devtest.ringcentral.com"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
F = TypeVar("F", bound=Callable[..., Any])
# What `passthrough` takes: True (every other URL), a URL prefix, a compiled pattern, or several.
Passthrough = bool | str | re.Pattern[str] | Iterable[str | re.Pattern[str]]
LOGGER = "presence_mock"
DEFAULT_HOOK = "https://webhook.presence-mock.test/hook"
# What a test's WebHook handler gets (the envelope) and may answer: None (200), a status, an
# Answer.
Handler = Callable[[dict[str, Any]], "Answer | int | None"]
Event = dict[str, Any]
# What the emulator's route hands back: status, headers (a list, repeated names kept, or a
# mapping), body.
RouteAnswer = tuple[int, Iterable[tuple[str, str]] | Mapping[str, str], bytes]


@functools.lru_cache(maxsize=8)
def _directory(seed: int, extensions: int, fixture: str | None) -> Directory:
    # The directory is immutable, so every mock of the same account shares one (0.3 s to build).
    return directory_of(fixture, seed, extensions)


def _read_snapshot(path: str | os.PathLike[str] | None, settings: Settings) -> Snapshot | None:
    """The snapshot file's content (checked), or None; its accounts replace the seed's, so a
    fixture beside it is refused."""
    if path is None:
        return None
    if settings.fixture:
        raise SnapshotError("PresenceMock: give fixture or snapshot, not both")
    return read_snapshot(path)


class PresenceMock:
    """The emulator for `requests`: a context manager, a decorator, or the `presence_mock` fixture.

    >>> with PresenceMock() as mock:
    ...     creds = mock.credentials  # clientId, clientSecret, jwt of the demo administrator
    """

    def __init__(
        self,
        base_urls: str | Iterable[str] = (PRODUCTION, SANDBOX),
        settings: Settings | None = None,
        *,
        seed: int | None = None,
        extensions: int | None = None,
        fixture: str | os.PathLike[str] | None = None,
        strict_requests: bool | None = None,
        rate_limits: str | None = None,
        rate_limit: str | None = None,
        random_credentials: bool | None = None,
        credentials_secret: str | None = None,
        passthrough: Passthrough = (),
        log: bool = True,
        snapshot: str | os.PathLike[str] | None = None,
        responses: RequestsMock | None = None,
    ) -> None:
        """`seed`/`extensions` or `fixture` choose the account, as `serve`'s options do;
        `strict_requests` refuses what the platform would; `rate_limits` is off, headers or
        enforce (`rate_limit` overrides a group, e.g. "heavy=3/60"); `random_credentials` or a
        `credentials_secret` replaces the demo credentials (read them from `credentials`,
        `users`). `passthrough` lets other
        `requests` calls reach real servers; `log=False` keeps the emulator's request lines
        (logger "presence_mock") out of the test's captured log. `snapshot` starts from a
        snapshot file's accounts and state (docs/snapshots.md), and `reset()` goes back to it.
        `responses`: a `RequestsMock` of the test's own to register the emulator on (started if
        it is not; by default the mock makes its own, public as `self.responses`)."""
        self.base_urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.settings = (settings or Settings()).override(
            seed=seed,
            extensions=extensions,
            fixture=os.fspath(fixture) if fixture is not None else None,
            strict_requests=strict_requests,
            rate_limits=rate_limits,
            rate_limit=rate_limit,
            random_credentials=random_credentials,
            credentials_secret=credentials_secret,
        )
        self.passthrough = _prefixes(passthrough)
        self.log = log
        self._logger_was_disabled = False
        self._snapshot = _read_snapshot(snapshot, self.settings)
        if self._snapshot is not None:
            directory = snapshot_directory(self._snapshot, os.fspath(snapshot or ""))
        else:
            directory = _directory(
                self.settings.seed, self.settings.extensions, self.settings.fixture
            )
        store = store_from_url(self.settings.store)
        self.emulator = Emulator.build(self.settings, directory, store)
        if self._snapshot is not None:
            # A subscription saved in process to `webhook()`'s address loads (answered 200 until
            # the test hands it a handler); any other address is checked as on a server.
            self.webhook()
            import_snapshot(self.emulator, self._snapshot, os.fspath(snapshot or ""))
        self.settings = self.emulator.settings  # with the secret it made, if it made one
        self.app = app_for(self, self.emulator)
        # The app called as a server calls it, with no test client between (decision PERF-20).
        self._caller = WsgiCaller(self.app, {INPROCESS: True})
        # The registry the emulator's route is on: the test's own, or one of its own that the
        # test may add its stubs to (`mock.responses.add(...)`).
        self._owns_registry = responses is None
        self.responses: RequestsMock = responses or RequestsMock(
            assert_all_requests_are_fired=False
        )
        self._routes: list[tuple[RequestsMock, AppRoute]] = []
        self._started_registry = False
        self._active = False
        self.expect_refused = False  # the pytest fixture fails on refused requests unless set
        # The background services, stepped: WebHooks are delivered synchronously, after each
        # request the mock answers (runtime/background.py).
        self.background = background.services(self.emulator)

    # -- what a test reads ----------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        return self.emulator.credentials()

    @property
    def users(self) -> list[dict[str, Any]]:
        """Every user's username, password and jwt, as `presence-mock credentials --json`."""
        return users(self.emulator.directory, self.emulator.keys)

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.emulator.journal.entries()

    @property
    def violations(self) -> list[dict[str, Any]]:
        return self.emulator.journal.violations()

    def refused(self) -> list[dict[str, Any]]:
        """Requests the platform would refuse: rule violations, and 400s answered to the client.

        401/403/404/429 are left out: they depend on tokens and data, and a client test may
        provoke them on purpose.
        """
        return [e for e in self.requests if e["verdict"] == "violation" or e["status"] == 400]

    def reset(self) -> None:
        """Presence back to the seeded state (or the snapshot's, when started from one) and an
        empty journal (tokens stay valid)."""
        self.emulator.reset()
        if self._snapshot is not None:
            import_snapshot(self.emulator, self._snapshot)

    # -- simulated calls ------------------------------------------------------------------------
    @property
    def calls(self) -> Switchboard:
        """Place and drive simulated calls and meetings of the first account (docs/calls.md)."""
        return Switchboard(self.emulator.telephony)

    def play(self, scenario: str | os.PathLike[str], *, strict: bool = True) -> Playback:
        """Start a scenario file on the emulator's clock and play its steps that are due now.
        Frozen clock (`mock.emulator.clock.freeze()`): `advance(seconds)` moves the clock and
        plays what came due, `finish()` plays the rest; running clock: `run()` plays it in real
        time. `strict`: a refused step raises ScenarioError (else it is kept in `outcomes`)."""
        loaded = load(scenario)
        driver = EngineDriver(self.emulator.telephony, loaded.account)
        playback = Playback(loaded, driver, strict=strict)
        playback.due()
        return playback

    # -- events ---------------------------------------------------------------------------------
    def webhook(self, handler: Handler | None = None, address: str = DEFAULT_HOOK) -> str:
        """An address to create WebHook subscriptions with: what is POSTed there goes to
        `handler` (the envelope; it may answer a status) instead of the network, and the
        `Validation-Token` handshake is answered for it. Any other address (a receiver on
        loopback, say) is POSTed to over real HTTP. Returns the address."""

        def receive(outgoing: Outgoing) -> Answer | int | None:
            token = outgoing.headers.get("Validation-Token")
            if token is not None and not outgoing.body:
                return Answer(200, {"Validation-Token": token})
            return handler(outgoing.json()) if handler is not None else None

        self.emulator.events.transport.receivers[address] = receive
        return address

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far (as /_mock/events), oldest first."""
        self.background.step()
        return self.emulator.events.delivered.entries()

    def wait_for_event(
        self,
        test: Callable[[Event], bool] | None = None,
        *,
        subscription_id: str | None = None,
        extension_id: int | str | None = None,
        timeout: float = 5.0,
    ) -> Event:
        """The first envelope delivered (2xx) that matches, delivering what is due meanwhile
        (retries included) until `timeout` seconds have passed; TimeoutError then."""
        deadline = time.monotonic() + timeout
        while True:
            self.background.step()
            for entry in self.emulator.events.delivered.entries():
                envelope = entry["event"]
                if entry["delivered"] and _matches(envelope, test, subscription_id, extension_id):
                    return envelope  # type: ignore[no-any-return]
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"no matching event delivered in {timeout} s"
                    + self._why_not(extension_id, subscription_id)
                )
            time.sleep(0.05)

    def explain(
        self,
        extension_id: int | str | None = None,
        subscription_id: str | None = None,
        *,
        limit: int = 20,
    ) -> dict[str, Any]:
        """Why each subscription got each of the extension's last changes, or did not
        (docs/explain.md; what `GET /_mock/events/explain` answers), after delivering what is
        due. `explain_text(...)` reads it as lines."""
        self.background.step()
        wanted = int(extension_id) if extension_id is not None else None
        found = Explainer(self.emulator.events, self.emulator.directory)
        return found.explain(wanted, subscription_id, limit)

    def _why_not(self, extension_id: int | str | None, subscription_id: str | None) -> str:
        """What `wait_for_event` adds when it waited in vain for an extension or a subscription:
        the explanation of its latest changes (docs/explain.md)."""
        if extension_id is None and subscription_id is None:
            return ""
        lines = describe(self.explain(extension_id, subscription_id, limit=3))
        return "; why:\n" + "\n".join(lines) if lines else ""

    def explain_text(
        self, extension_id: int | str | None = None, subscription_id: str | None = None
    ) -> str:
        """`explain(...)` as text, one line a change and one a subscription weighed."""
        return "\n".join(describe(self.explain(extension_id, subscription_id)))

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> PresenceMock:
        if self._active:
            return self
        registry = self.responses
        below = HTTPAdapter.send  # what answers now: the network, or a mock started before
        if self._owns_registry and below is not _GENUINE_SEND:
            # Inside another active mock: a URL the emulator does not serve goes to that mock,
            # which answers it with the test's stubs or refuses it as it always does.
            registry._real_send = below  # what its `real_adapter_send` argument sets
            registry.add_passthru(re.compile(r".*"))
        for base in self.base_urls:
            self._route(registry, base)
            if registry is not responses.mock:
                # A `@responses.activate` test inside this mock finds the emulator too.
                self._route(responses.mock, base)
        # Consulted only for a URL no route matched, so the emulator's URLs stay emulated.
        for prefix in self.passthrough:
            registry.add_passthru(prefix)
        self._started_registry = _is_active(registry) is False
        registry.start()  # a no-op on a mock the test already started
        self._active = True
        if not self.log:
            logger = logging.getLogger(LOGGER)
            self._logger_was_disabled, logger.disabled = logger.disabled, True
        return self

    def _route(self, registry: RequestsMock, base: str) -> None:
        pattern = re.compile(re.escape(base.rstrip("/")) + r"(/.*)?(\?.*)?$")
        route = AppRoute(pattern, self._answer)
        registry.add(route)
        self._routes.append((registry, route))

    def stop(self) -> None:
        if not self._active:
            return
        self._active = False
        registry = self.responses
        for holder, route in self._routes:
            if any(found is route for found in holder.registered()):
                holder.remove(route)
        self._routes.clear()
        if self._owns_registry:
            registry.stop()
            registry.reset()  # the test's stubs go with the mock that held them
            registry._real_send = _GENUINE_SEND
        elif self._started_registry:
            registry.stop()  # started here: stopped here; a test's own active mock stays on
        if not self.log:
            logging.getLogger(LOGGER).disabled = self._logger_was_disabled

    def __enter__(self) -> PresenceMock:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # -- the callback ---------------------------------------------------------------------------
    def _answer(self, prepared: PreparedRequest) -> WsgiAnswer:
        self.background.timer.step()  # the magic-number call steps due by now, seen by this one
        try:
            answer = self._caller(prepared)
        except NetworkFault as fault:  # as requests would raise it on a socket
            raise as_raised(fault, prepared) from None
        # The WebHooks this request caused, before the client goes on. The call steps were
        # played just before it; any falling due meanwhile are played by the next step.
        self.background.deliver()
        return answer


# What `requests` does without any mock: responses keeps it to hand it requests it passes through.
_GENUINE_SEND = getattr(responses, "_real_send", HTTPAdapter.send)


def _is_active(registry: RequestsMock) -> bool | None:
    """Whether a `RequestsMock` is started (None when this version of responses does not say)."""
    patcher = getattr(registry, "_patcher", False)
    return None if patcher is False else patcher is not None


class AppRoute(CallbackResponse):
    """An app as one responses route (the emulator's, through `PresenceMock._answer`): every
    method of every URL `pattern` matches, answered by `answer(prepared)`."""

    def __init__(
        self,
        pattern: re.Pattern[str],
        answer: Callable[[PreparedRequest], RouteAnswer],
    ) -> None:
        super().__init__("GET", pattern, answer, content_type=None)
        self.pattern = pattern

    def get_response(self, request: PreparedRequest) -> HTTPResponse:
        # What CallbackResponse does, less its checks of a callback that may return anything.
        status, headers, body = self.callback(request)
        return _http_response(status, HTTPHeaderDict(headers), body, request.method)

    def matches(self, request: PreparedRequest) -> tuple[bool, str]:
        if self.pattern.match(str(request.url)):
            return True, ""
        return False, "not under the emulator's base URL"

    @property
    def call_count(self) -> int:
        # Never reported as unused by a mock that asserts all its stubs were called: the
        # emulator answers what a test asks, and a test that asks nothing of it is fine.
        return max(1, len(self.calls))


def _matches(
    envelope: Event,
    test: Callable[[Event], bool] | None,
    subscription_id: str | None,
    extension_id: int | str | None,
) -> bool:
    if subscription_id is not None and envelope.get("subscriptionId") != subscription_id:
        return False
    body = envelope.get("body") or {}
    if extension_id is not None and body.get("extensionId") != str(extension_id):
        return False
    return test is None or bool(test(envelope))


def _prefixes(passthrough: Passthrough) -> list[str | re.Pattern[str]]:
    if passthrough is True:
        return [re.compile(r".*")]
    if passthrough is False:
        return []
    if isinstance(passthrough, str | re.Pattern):
        return [passthrough]
    return list(passthrough)


def _http_response(
    status: int, headers: HTTPHeaderDict, body: bytes, method: str | None
) -> HTTPResponse:
    """The answer as responses hands it to requests: urllib3's response over the body, the
    headers also as the original response's `msg` (what requests reads cookies from)."""
    closed = BytesIO()
    closed.close()
    original = HTTPResponse(body=closed, msg=headers, preload_content=False)  # type: ignore[arg-type]
    return HTTPResponse(
        status=status,
        reason=HTTP_REASONS.get(status),
        body=BytesIO(body),
        headers=headers,
        original_response=original,  # type: ignore[arg-type]
        preload_content=False,
        request_method=method,
    )
