"""The gateway as an aiohttp application: `/ws` (the platform's WebSocket gateway,
docs/contract.md#subscriptions-websocket), `/_mock/stream` (the board's Server-Sent Events,
decision WS-15), `/_mock/health`.

One event loop holds every socket; whatever touches the store (tokens, subscriptions, the clock)
runs in the default thread pool, and the event log is followed by its own thread (tail.py), so a
slow store never stalls the sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import secrets
import struct
import threading
from collections.abc import Callable
from socket import SO_LINGER, SOL_SOCKET
from typing import Any

from aiohttp import WSMsgType, web

from mockserver.access import internals_shown
from mockserver.chaos import Fault, Plan
from mockserver.errors import MockError, ResourceNotFound
from mockserver.events import explain_journal as why
from mockserver.events.log import LoggedChange
from mockserver.gateway import access, bounds, frames
from mockserver.gateway.bounds import Outbox
from mockserver.gateway.core import Core, Delivered, Undelivered
from mockserver.gateway.direct import DirectWriter
from mockserver.gateway.socket_sessions import WSC_TOKEN, Notice, Recovery, Session, Sessions
from mockserver.gateway.stream import Streams, stream_handler
from mockserver.gateway.tail import Tail
from mockserver.storage.outage import is_outage, store_unavailable

log = logging.getLogger("presence_mock")
SWEEP_EVERY = 1.0  # wall seconds between two looks at the emulator clock (timeouts, recovery)
MAX_MESSAGE = 1 << 20  # the largest frame a client may send (aiohttp closes with 1009 above)
# Seconds the tail thread waits for the loop to hand a batch's frames to the sockets before it
# reads on (and wakes the WebHook deliverer): decision WS-51.
DELIVERED_WAIT = 1.0
SUBSCRIPTION_PATH = re.compile(r"/restapi/v1\.0/subscription(?:/(?P<id>[^/]+))?/?")


Cut = Callable[[tuple[int, str], str | None], None]  # (close code, reason), a last frame


def _bearer(header: str | None) -> str:
    scheme, _, token = (header or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class Gateway:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.sessions = Sessions()
        self.streams = Streams()
        self.sockets: set[web.WebSocketResponse] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tail: Tail | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[Any]] = set()  # close handshakes under way
        # Server pings (docs/security.md): every `ping_every` s whatever the client sends; a
        # pong within `pong_wait` s (the platform's 10 s, or half the interval when shorter).
        self.ping_every = core.emulator.settings.gateway_ping
        self.pong_wait = min(bounds.PONG_WAIT, self.ping_every / 2)

    # -- the application ------------------------------------------------------------------------
    def application(self) -> web.Application:
        app = web.Application()
        access.install(app, self.core.emulator.settings)  # the one rule of every control
        app.router.add_get("/ws", self.websocket)
        app.router.add_get(
            "/_mock/stream", stream_handler(self.streams, self.core.log.after, self.core.log.last)
        )
        app.router.add_get("/_mock/health", self.health)
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._shutdown)
        app.on_cleanup.append(self._stop)
        return app

    async def _start(self, _: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        outage = self.core.emulator.outage
        log = self.core.log
        self._tail = Tail(log, self._on_changes, self.core.log_blocks, outage, heard=log.heard)
        log.followed = True  # the WebHook deliverer of this process is woken by the tail
        self._tail.start()
        self._sweeper = asyncio.create_task(self._sweep())

    async def _shutdown(self, _: web.Application) -> None:
        for socket in list(self.sockets):
            await socket.close(code=1001, message=b"server shutdown")

    async def _stop(self, _: web.Application) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._tail is not None:
            self.core.log.followed = False
            await asyncio.to_thread(self._tail.stop)

    async def health(self, request: web.Request) -> web.Response:
        """`ok`; and the process's figures only to a caller that is no page of another site
        and that the controls lock lets in (mockserver/access.py)."""
        body: dict[str, Any] = {"status": "ok"}
        if internals_shown(self.core.emulator.settings, access.asked_of(request)):
            body["sockets"] = len(self.sockets)
            body["position"] = self._position()  # of the event log, as far as it has read
            body["pid"] = os.getpid()
        return web.json_response(body)

    def _position(self) -> int:
        return self._tail.position if self._tail is not None else 0

    # -- events ---------------------------------------------------------------------------------
    def _on_changes(self, changes: list[LoggedChange]) -> None:
        """In the tail thread: what each subscribed session gets of these changes (the events
        core's matching), with what fault rules say of each (docs/chaos.md), then handed to the loop
        to send."""
        matched: list[tuple[Session, dict[str, Any], int]] = []
        subscribed = self.sessions.subscribed
        subscriptions = [session.subscription for session in subscribed]
        for change in changes:
            envelopes = self.core.envelopes(subscriptions, change)  # shared where alike (WS-40)
            for session, envelope in zip(subscribed, envelopes, strict=True):
                if envelope is not None:
                    matched.append((session, envelope, change.position))
        # A revoked OAuth session gets nothing more (its sockets are closed: `_revoke`).
        ended = self.core.ended({s.grant.session_id for s, _, _ in matched}) if matched else set()
        out: list[tuple[Session, Notice, Plan | None]] = []
        revoked: list[Undelivered] = []
        for session, envelope, position in matched:
            if session.grant.session_id not in ended:
                # Rules count notifications going out on a socket (not those that wait).
                plan = self.core.plan() if session.send is not None else None
                out.append((session, Notice(envelope, position), plan))
            else:
                gone = "the socket's OAuth session was revoked: its socket is closed"
                sid = envelope["subscriptionId"]
                revoked.append((sid, position, why.SOCKET_CLOSED, gone, None))
        self.core.undelivered(revoked)
        now = self.core.now() if any(plan is not None for _, _, plan in out) else 0.0
        assert self._loop is not None
        done = threading.Event()
        self._loop.call_soon_threadsafe(self._deliver, out, changes, now, ended, done)
        if out:
            # The frames go out before the tail reads on and the WebHook deliverer of this
            # process is woken (tail.py): neither competes with them for the interpreter.
            done.wait(DELIVERED_WAIT)

    def _deliver(
        self,
        out: list[tuple[Session, Notice, Plan | None]],
        changes: list[LoggedChange],
        now: float,
        ended: set[str] | None = None,
        done: threading.Event | None = None,
    ) -> None:
        try:
            self._send_out(out, changes, now, ended)
        finally:
            if done is not None:
                done.set()

    def _send_out(
        self,
        out: list[tuple[Session, Notice, Plan | None]],
        changes: list[LoggedChange],
        now: float,
        ended: set[str] | None,
    ) -> None:
        if ended:
            self._revoke(ended)
        sent: list[Delivered] = []
        kept: list[Undelivered] = []
        for session, notice, plan in out:
            # A subscription replaced or deleted meanwhile gets nothing more.
            if notice.envelope.get("subscriptionId") != session.subscription_id:
                continue
            broken: str | None = None
            if plan is not None and plan.fault and session.hang_up is not None:
                # The socket breaks; this notification waits for recovery (docs/chaos.md).
                session.hang_up(plan.fault, plan.stall, now)
                broken = str(plan.fault)
            if plan is not None and plan.delay and session.send is not None:
                assert self._loop is not None
                self._loop.call_later(plan.delay, self._deliver_late, session, notice)
                continue
            reading = session.reading
            if session.deliver(notice):
                if reading is None or reading():
                    sent.append((session.token, notice))
                else:
                    kept.append(_not_reading(notice))
            else:
                kept.append(_kept(notice, broken))
        self.streams.publish(changes)
        if sent:  # what went out on a socket (a dropped session's wait: journalled on replay)
            self.core.journal(sent)
        self.core.undelivered(kept)

    def _deliver_late(self, session: Session, notice: Notice) -> None:
        """A notification a latency rule held back (its wsc sequence is given as it goes)."""
        if notice.envelope.get("subscriptionId") != session.subscription_id:
            return
        reading = session.reading
        if not session.deliver(notice):
            self.core.undelivered([_kept(notice, None)])
        elif reading is None or reading():
            self.core.journal([(session.token, notice)])
        else:
            self.core.undelivered([_not_reading(notice)])

    def _hang_up(
        self,
        session: Session,
        send: Any,
        request: web.Request,
        socket: web.WebSocketResponse,
        fault: Fault,
        stall: float,
        now: float,
    ) -> None:
        """Break a session's socket as a `webSocketSession` fault says (docs/chaos.md): the
        session is dropped at once (what follows waits for recovery:
        docs/contract.md#websocket-recovery)."""
        self.sessions.drop(session, send, now)
        transport = request.transport
        if transport is None:
            return
        if fault == Fault.RESET:  # an RST: no close frame, no FIN
            raw = transport.get_extra_info("socket")
            if raw is not None:
                raw.setsockopt(SOL_SOCKET, SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        elif fault in (Fault.EMPTY, Fault.TRUNCATE):  # a FIN without a close frame
            transport.close()
        elif fault == Fault.STALL:  # silent for `for=` seconds, then a FIN
            assert self._loop is not None
            self._loop.call_later(stall, transport.close)
        else:  # 503/429: 1013 Try Again Later; 500: 1011 Internal Error (RFC 6455 §7.4)
            code, text = (1013, b"Try Again Later")
            if fault == Fault.SERVER_ERROR:
                code, text = 1011, b"Internal Error"
            task = asyncio.create_task(socket.close(code=code, message=text))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    # -- revoked OAuth sessions ------------------------------------------------------------------
    def _revoke(self, ended: set[str]) -> None:
        """The sessions of OAuth sessions that have ended (`POST /restapi/oauth/revoke`): their
        sockets are closed with an Error frame and close code 4401, and they are forgotten at
        once with their subscriptions (no recovery is possible without the OAuth session)."""
        gone = [s for s in self.sessions.by_token.values() if s.grant.session_id in ended]
        if not gone:
            return
        self.sessions.forget(gone)  # nothing more is matched for them from here on
        task = asyncio.create_task(self._close_revoked(gone))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_revoked(self, gone: list[Session]) -> None:
        # Their subscriptions leave the store before the sockets are told: a client that sees
        # the close and lists its subscriptions never finds the revoked one.
        await asyncio.to_thread(self._release, gone)
        error = frames.encode(frames.error(frames.REVOKED))
        for session in gone:
            if session.cut is not None:
                session.cut(bounds.REVOKED, error)

    def _release(self, sessions: list[Session]) -> None:
        for session in sessions:
            if self.core.recoveries.release(session) and session.subscription is not None:
                self.core.forget(session.subscription)

    # -- timeouts and recovery, on the emulator's clock (WS-9, WS-10) --------------------------
    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            try:
                now = await asyncio.to_thread(self.core.now)
                oauth = {s.grant.session_id for s in self.sessions.by_token.values()}
                self._revoke(await asyncio.to_thread(self.core.ended, oauth) if oauth else set())
                for session in self.sessions.live():
                    if now - session.opened >= frames.ABSOLUTE_TIMEOUT:
                        self._end(session, frames.ABSOLUTE)
                    elif now - session.last_message >= frames.IDLE_TIMEOUT:
                        self._end(session, frames.IDLE)
                for session in self.sessions.expired(now):
                    # Not when another gateway took the session over (recovery.py).
                    release = self.core.recoveries.release
                    if session.subscription is not None and await asyncio.to_thread(
                        release, session
                    ):
                        await asyncio.to_thread(self.core.forget, session.subscription)
                await self._renew(now)
                held = list(self.sessions.by_token.values())
                await asyncio.to_thread(self.core.recoveries.sync, held, now)
            except Exception as error:  # a store that is down is said once (Outage)
                self.core.emulator.outage.report(error, "gateway: the sweep failed")

    async def _renew(self, now: float) -> None:
        """A WebSocket subscription is renewed while its session lives; one that is
        gone from the store (a reset) is dropped from its session."""
        held = {s.subscription_id: s for s in self.sessions.subscribed}
        renewed, gone = await asyncio.to_thread(
            self.core.maintain, [s.subscription for s in held.values()], now
        )
        for subscription in renewed:
            session = held[subscription.id]
            if session.subscription_id == subscription.id:
                session.subscription = subscription
        for subscription_id in gone:
            session = held[subscription_id]
            if session.subscription_id == subscription_id:
                session.subscription, session.subscription_id = None, None
        if renewed or gone:
            self.sessions.refresh()

    def _end(self, session: Session, code: str) -> None:
        """An Error frame, then the socket closes (the session stays recoverable)."""
        send = session.send
        if send is not None and not session.ending:
            send(frames.encode(frames.error(code)))
            send("")  # the writer closes the socket after the frames before it
            session.ending = True

    # -- the WebSocket ----------------------------------------------------------------------
    async def websocket(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("access_token") or _bearer(request.headers.get("Authorization"))
        try:
            grant = await asyncio.to_thread(self.core.resolve, token)
        except MockError as error:  # 401 with the platform's error body (WS-7)
            return web.json_response(error.to_body(), status=error.status)
        except Exception as error:  # the store is down: 503 CMN-201, said once (Outage)
            if not is_outage(error):
                raise
            self.core.emulator.outage.failed(error)
            return access.error_response(store_unavailable())
        wsc = request.query.get("wsc")
        # Pings are the gateway's own (`_keepalive`): aiohttp's heartbeat is put off by any
        # frame the client sends, so a client that chatters and never reads would never be
        # asked for a pong.
        socket = web.WebSocketResponse(autoping=False, max_msg_size=MAX_MESSAGE)
        await socket.prepare(request)
        if wsc is not None and not WSC_TOKEN.fullmatch(wsc):
            await socket.send_str(frames.encode(frames.error(frames.BAD_WSC)))
            await socket.close()
            return socket
        self.sockets.add(socket)

        def cut(why: tuple[int, str], last: str | None = None) -> None:
            """End this socket now, what waits in its outbox let go (docs/security.md)."""
            outbox.full = True
            outbox.clear()
            writer.cancel()
            self._cut(socket, request, why, last)

        outbox = Outbox(
            lambda: cut(bounds.NOT_READING), direct=DirectWriter(socket, request.transport)
        )
        writer = asyncio.create_task(self._write(socket, outbox))
        pong = Pong()
        keepalive = asyncio.create_task(self._keepalive(socket, pong, cut))
        now = await asyncio.to_thread(self.core.now)
        send = outbox.put  # one bound method: `drop` knows the socket by it
        restored = await self._restore(grant, wsc, now) if wsc is not None else None
        session, recovery = self.sessions.open(grant, now, send, wsc)
        if restored is not None and restored[0] == "Failed":
            recovery = restored
        session.close = lambda: send("")
        session.cut = cut
        session.hang_up = functools.partial(self._hang_up, session, send, request, socket)
        session.reading = lambda: not outbox.full
        send(frames.encode(frames.connection_details(now, session.wsc(), recovery)))
        if recovery == ("Successful", None):
            replayed = self.sessions.replay(session)
            self.core.journal([(session.token, notice) for notice in replayed])
        try:
            async for message in socket:
                if message.type == WSMsgType.PING:
                    await socket.pong(message.data)
                    continue
                if message.type == WSMsgType.PONG:
                    pong.received(message.data)
                    continue
                if message.type != WSMsgType.TEXT:
                    if message.type == WSMsgType.BINARY:
                        send(frames.encode(frames.error(frames.MALFORMED)))
                    continue
                session.last_message = await asyncio.to_thread(self.core.now)
                answer = await self._answer(session, message.data, cut)
                if answer is not None:
                    send(answer)
        finally:
            self.sessions.drop(session, send, await asyncio.to_thread(self.core.now))
            self.sockets.discard(socket)
            writer.cancel()
            keepalive.cancel()
            outbox.clear()  # what never went out is let go with the socket
        return socket

    def _cut(
        self,
        socket: web.WebSocketResponse,
        request: web.Request,
        why: tuple[int, str],
        last: str | None,
    ) -> None:
        task = asyncio.create_task(self._close(socket, request, why, last))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close(
        socket: web.WebSocketResponse, request: web.Request, why: tuple[int, str], last: str | None
    ) -> None:
        """A last frame and the close frame, if they go out within CLOSE_WAIT (a client that
        does not read never takes them); then the connection is dropped whatever is unsent."""
        code, reason = why
        try:
            async with asyncio.timeout(bounds.CLOSE_WAIT):
                if last is not None and not socket.closed:
                    await socket.send_str(last)
                await socket.close(code=code, message=reason.encode())
        except (TimeoutError, ConnectionError):
            pass
        finally:
            if request.transport is not None:
                request.transport.abort()  # close() would wait for the unsent bytes to drain

    async def _keepalive(self, socket: web.WebSocketResponse, pong: Pong, cut: Cut) -> None:
        """A ping every `ping_every` s, whatever the client sends meanwhile; a socket whose
        pong does not come within `pong_wait` s is closed (the developer guide's heart-beats
        page: a pong within 10 seconds)."""
        while not socket.closed:
            await asyncio.sleep(self.ping_every)
            payload = pong.expect()
            try:
                async with asyncio.timeout(self.pong_wait):
                    await socket.ping(payload)  # waits while the client does not read
                    await pong.answered.wait()
            except TimeoutError:
                cut(bounds.NO_PONG, None)
                return
            except ConnectionError:
                return

    async def _restore(self, grant: Any, token: str, now: float) -> Recovery | None:
        """A `wsc` this gateway does not hold (or no longer: another took it over): take the
        session from the store when recovery allows (docs/contract.md#websocket-recovery); its
        answer, or None when the session is this gateway's own."""
        recoveries = self.core.recoveries
        if token in self.sessions.by_token:
            if not await asyncio.to_thread(recoveries.held_elsewhere, token):
                return None
            del self.sessions.by_token[token]  # a stale copy: another gateway has it now
            self.sessions.refresh()
        recovery, saved = await asyncio.to_thread(recoveries.load, token, grant, now)
        if saved is None:
            return recovery
        session = self.sessions.restore(grant, token, saved.sequence, saved.subscription, now)
        session.position = saved.position
        notices, upto = await asyncio.to_thread(
            recoveries.missed, saved.subscription, saved.position
        )
        self.sessions.refill(session, notices, upto)
        return recovery

    @staticmethod
    async def _write(socket: web.WebSocketResponse, outbox: Outbox) -> None:
        """What the outbox holds, in order (the frames that could not be written at once:
        direct.py), waiting on the transport between them."""
        with contextlib.suppress(ConnectionResetError):
            while True:
                text = await outbox.get()
                if not text:  # the end: close after what was queued before it
                    await socket.close()
                    return
                if isinstance(text, bytes):
                    await socket.send_frame(text, WSMsgType.TEXT)
                else:
                    await socket.send_str(text)
                outbox.written()

    async def _answer(self, session: Session, text: str, cut: Cut) -> str | None:
        try:
            frame = frames.parse(text)
        except frames.Malformed:
            return frames.encode(frames.error(frames.MALFORMED))
        if frame.type == "Heartbeat":
            if len(text) > bounds.MAX_ECHO:  # echoed whole, so its size is capped
                cut(bounds.ECHO_TOO_BIG, None)
                return None
            return frames.encode(frames.heartbeat(frame))
        method = str(frame.meta["method"]).upper()
        path = str(frame.meta["path"]).partition("?")[0]
        try:
            status, body, headers = await asyncio.to_thread(
                self._request, session, method, path, frame.body
            )
        except MockError as error:
            status, body, headers = error.status, error.to_body(), {}
        except Exception as error:  # the store is down: the REST answer, 503 CMN-201
            if not is_outage(error):
                raise
            self.core.emulator.outage.failed(error)
            down = store_unavailable()
            status, body, headers = down.status, down.to_body(), down.headers
        code = body.get("errorCode") if isinstance(body, dict) else None
        if not self.core.emulator.outage.down:
            await asyncio.to_thread(
                self.core.journal_request, method, path, frame.body, status, code
            )
        return frames.encode(frames.reply(frame.message_id, status, body, headers))

    def _request(
        self, session: Session, method: str, path: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """A REST request over the socket (docs/contract.md#websocket-frames): the subscription of
        this connection."""
        matched = SUBSCRIPTION_PATH.fullmatch(path)
        if matched is None:
            raise ResourceNotFound("uri")
        wanted = matched.group("id")
        caller = self.core.caller(session.grant)
        if method == "POST" and wanted is None:
            if session.subscription is not None:  # one per connection: the new one replaces it
                self.core.forget(session.subscription)
                self._subscribe(session, None, None)
            subscription, info = self.core.create(caller, body, session.token)
            self._subscribe(session, subscription, str(info["id"]))
            # The Python SDK 0.9.2 fires subscriptionCreated only on this header
            # (docs/contract.md#sdk-compat).
            return 200, info, {"WSG-SubscriptionId": str(info["id"])}
        if wanted is None or wanted != session.subscription_id or method not in ("PUT", "DELETE"):
            raise ResourceNotFound("uri")
        if method == "PUT":
            subscription, info = self.core.update(caller, wanted, body)
            self._subscribe(session, subscription, wanted)
            return 200, info, {}
        self.core.delete(caller, wanted)
        self._subscribe(session, None, None)
        return 204, None, {}

    def _subscribe(self, session: Session, subscription: Any, subscription_id: str | None) -> None:
        def apply() -> None:
            session.subscription, session.subscription_id = subscription, subscription_id
            session.position = max(session.position, self._position())  # matched from here
            self.sessions.refresh()

        assert self._loop is not None
        # Sessions belong to the loop; wait until it has taken the change, so the reply (sent
        # after) never reaches the client before the session matches events.
        asyncio.run_coroutine_threadsafe(_call(apply), self._loop).result()


def _not_reading(notice: Notice) -> Undelivered:
    detail = "the client does not read its socket: its outbox overflowed and the socket was cut"
    return (notice.envelope["subscriptionId"], notice.position, why.NOT_READING, detail, None)


def _kept(notice: Notice, fault: str | None) -> Undelivered:
    # A notification kept for a recovery: its socket is closed, or a chaos rule broke it.
    sid, position = notice.envelope["subscriptionId"], notice.position
    if fault is not None:
        detail = (
            f"a chaos rule of webSocketSession ({fault}) broke the socket; it waits for recovery"
        )
        return (sid, position, why.CHAOS, detail, fault)
    detail = "the socket is closed; the notification waits for a recovery (wsc) of its session"
    return (sid, position, why.SOCKET_CLOSED, detail, None)


async def _call(action: Any) -> None:
    action()


class Pong:
    """The pong a socket owes: its payload, and whether it came (a pong with any other payload,
    such as an unasked one, does not count)."""

    def __init__(self) -> None:
        self.payload = b""
        self.answered = asyncio.Event()

    def expect(self) -> bytes:
        self.payload = secrets.token_bytes(8)
        self.answered.clear()
        return self.payload

    def received(self, data: bytes) -> None:
        if data == self.payload:
            self.answered.set()
