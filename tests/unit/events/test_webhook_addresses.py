"""WebHook addresses: only loopback and what --webhook-allow names, decided before any lookup;
a name looked up once and the checked address connected to; the emulator's own ports and its
store's never targets; answers read at most 1025 bytes; a hanging handshake holds an app thread
only in the one slow slot of its process (docs/security.md, "WebHook addresses")."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.config import ConfigError, Settings
from mockserver.emulator import Emulator
from mockserver.errors import InvalidWebhookResponse, WebhookUnreachable
from mockserver.events import webhooks
from mockserver.events.addresses import AddressPolicy, AddressRefused
from mockserver.events.delivery import Deliverer
from mockserver.events.webhooks import Transport, delivery, send_broken
from presence_mock_kit.receiver import WebhookReceiver
from tests.support.answers import assert_error
from tests.support.login import Api
from tests.support.receivers import webhook_body

SUBS = "/restapi/v1.0/subscription"
MINE = "/restapi/v1.0/account/~/extension/~/presence"


class Lookups:
    """A resolver standing in for socket.getaddrinfo: answers only the names it is given (in
    turn, for a name given several answers), counts every call, and fails loudly otherwise."""

    def __init__(self, **names: str | list[str]) -> None:
        self.names = {k.replace("_", "-").replace("--", "."): v for k, v in names.items()}
        self.calls: list[str] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        self.calls.append(str(host))
        answers = self.names.get(str(host))
        if answers is None:
            raise AssertionError(f"a lookup of {host!r}: nothing may be looked up here")
        if isinstance(answers, list):
            answers = answers[min(len(self.calls), len(answers)) - 1]
        family = socket.AF_INET6 if ":" in answers else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (answers, port))]


@pytest.fixture
def no_lookups(monkeypatch: pytest.MonkeyPatch) -> Lookups:
    """Any lookup at all fails the test (socket.getaddrinfo is what urllib3 and socket use)."""
    lookups = Lookups()
    monkeypatch.setattr(socket, "getaddrinfo", lookups)
    return lookups


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def relay_forms(rest: int, gateway: int) -> list[str]:
    """Every form of relay the policy refuses by default, before any lookup."""
    return [
        f"http://127.0.0.1:{rest}/_mock/reset",  # the emulator's own REST port
        f"http://localhost:{rest}/_mock/activity",
        f"http://[::1]:{rest}/restapi/v1.0/subscription",
        f"http://127.0.0.1:{gateway}/_mock/health",  # its gateway
        "http://10.0.0.8/hook",  # private
        "http://192.168.1.20:8080/hook",
        "http://172.17.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
        "http://[fe80::1]/hook",
        "http://0.0.0.0:9/hook",  # reaches loopback on Linux
        "http://[::]:9/hook",
        "http://[::ffff:127.0.0.1]:9/hook",
        "http://2130706433:9/hook",  # numeric forms a URL parser reads as 127.0.0.1
        "http://127.1:9/hook",
        "http://0x7f.0.0.1:9/hook",
        "http://0177.0.0.1:9/hook",
        "http://127.0.0.1.:9/hook",
        "http://user:pass@127.0.0.1:9/hook",  # user information
        "http://@127.0.0.1:9/hook",
        "https://consumer-host.example.com/webhook",  # the spec's example: a name off this host
        "http://receiver:9/hook",
        "http://%31%32%37.0.0.1:9/hook",
        "http://127.0.0.1:99999/hook",
        "http://127.0.0.1:9/ho ok",
    ]


def test_every_relay_form_is_refused_at_create_without_a_lookup(
    admin: Api, emulator: Emulator, no_lookups: Lookups
) -> None:
    rest, gateway = emulator.settings.port, emulator.settings.port + 1
    for address in relay_forms(rest, gateway):
        answer = admin.client.post(SUBS, json=webhook_body(address), headers=admin.headers())
        assert_error(answer, 400, "SUB-521")
    assert no_lookups.calls == []
    assert admin.get(SUBS).get_json()["records"] == []


def test_the_policy_refuses_them_before_any_lookup_and_says_why() -> None:
    policy = AddressPolicy(own_ports=(8080, 8081), resolver=Lookups())
    for address in relay_forms(8080, 8081):
        with pytest.raises(AddressRefused):
            policy.check(address)
        with pytest.raises(AddressRefused):
            policy.resolve(address)
    with pytest.raises(AddressRefused, match="user information"):
        policy.check("http://user:pass@127.0.0.1:9/")
    with pytest.raises(AddressRefused, match="numeric host"):
        policy.check("http://2130706433:9/")
    with pytest.raises(AddressRefused, match="own ports"):
        policy.check("http://127.0.0.1:8080/_mock/reset")


def test_other_loopback_ports_are_allowed_by_default(
    admin: Api, hook: WebhookReceiver, no_lookups: Lookups
) -> None:
    """Loopback receivers are the point: any port but the emulator's, no lookup."""
    for address in (
        hook.url,
        hook.url.replace("127.0.0.1", "localhost"),
        hook.url.replace("127.0.0.1", "hooks.localhost"),
    ):
        answer = admin.client.post(SUBS, json=webhook_body(address), headers=admin.headers())
        assert answer.status_code == 200, answer.get_data(as_text=True)
    hosts = [h.header("Host") for h in hook.handshakes]
    port = hook.url.split(":")[2].split("/")[0]
    assert hosts == [f"127.0.0.1:{port}", f"localhost:{port}", f"hooks.localhost:{port}"]
    assert no_lookups.calls == []


def test_an_allowed_pattern_is_looked_up_once_and_that_address_connected_to(
    admin: Api, emulator: Emulator, hook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`*.internal` allowed; the name resolves to loopback (a stand-in resolver, never real
    DNS). A second answer would differ: it is never asked for, the checked address is used."""
    port = int(hook.url.split(":")[2].split("/")[0])
    lookups = Lookups(hooks__internal=["127.0.0.1", "169.254.169.254"])
    monkeypatch.setattr(socket, "getaddrinfo", lookups)
    policy = AddressPolicy(("*.internal",), own_ports=(emulator.settings.port,))
    monkeypatch.setattr(emulator.events.transport, "policy", policy)
    address = f"http://hooks.internal:{port}/hook?k=v"
    made = admin.client.post(SUBS, json=webhook_body(address), headers=admin.headers())
    assert made.status_code == 200, made.get_data(as_text=True)
    assert lookups.calls == ["hooks.internal"]  # once: the connect used what it checked
    [handshake] = hook.handshakes
    assert handshake.header("Host") == f"hooks.internal:{port}"
    assert handshake.path == "/hook?k=v"
    # Not allowed: a name outside the pattern, and the bare suffix.
    for other in ("http://internal:9/", "http://hooks.internal.evil:9/"):
        answer = admin.client.post(SUBS, json=webhook_body(other), headers=admin.headers())
        assert_error(answer, 400, "SUB-521")
    assert lookups.calls == ["hooks.internal"]


def test_every_address_a_name_resolves_to_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """An allowed name that answers link-local, unspecified, or the emulator's own port on
    loopback is refused: the rule is about where the POST would land, not the name."""
    lookups = Lookups(
        meta__internal="169.254.169.254",
        zero__internal="0.0.0.0",
        self__internal="127.0.0.1",
        mapped__internal="::ffff:169.254.169.254",
    )
    policy = AddressPolicy(("*.internal",), own_ports=(8080,), resolver=lookups)
    for name in ("meta", "zero", "mapped"):
        with pytest.raises(AddressRefused):
            policy.resolve(f"http://{name}.internal:9/")
    with pytest.raises(AddressRefused, match="own ports"):
        policy.resolve("http://self.internal:8080/")
    assert policy.resolve("http://self.internal:9/").addresses == ("127.0.0.1",)


def test_the_resolver_is_asked_once_per_post_and_the_pinned_address_used(
    hook: WebhookReceiver,
) -> None:
    port = int(hook.url.split(":")[2].split("/")[0])
    # First answer loopback (checked, used), a second one would be off this machine.
    lookups = Lookups(relay__internal=["127.0.0.1", "10.1.2.3"])
    transport = Transport(policy=AddressPolicy(("relay.internal",), resolver=lookups))
    answer = transport.send(delivery(f"http://relay.internal:{port}/hook", {"n": 1}, None))
    assert answer.status == 200
    assert lookups.calls == ["relay.internal"]
    [got] = hook.wait_for_count(1)
    assert got.header("Host") == f"relay.internal:{port}" and got.json == {"n": 1}


def test_any_allows_every_host_but_own_ports_store_and_link_local() -> None:
    lookups = Lookups(consumer_host__example__com="127.0.0.1")
    policy = AddressPolicy(
        ("any",), own_ports=(8080, 8081), store="redis://127.0.0.1:6390/0", resolver=lookups
    )
    policy.check("https://consumer-host.example.com/webhook")
    policy.check("http://10.0.0.8/hook")
    for refused in (
        "http://127.0.0.1:8080/_mock/reset",
        "http://127.0.0.1:8081/ws",
        "http://127.0.0.1:6390/",
        "http://169.254.169.254/",
        "http://2130706433:9/",
        "http://user:pass@10.0.0.8/",
    ):
        with pytest.raises(AddressRefused):
            policy.check(refused)
    with pytest.raises(AddressRefused, match="own ports"):
        policy.resolve("http://consumer-host.example.com:8080/")


def test_the_store_port_is_never_a_target() -> None:
    """The Redis URL's host and port: by name before any lookup, by address after one."""
    named = AddressPolicy(
        ("redis", "*.internal"),
        store="redis://redis:6379/0",
        resolver=Lookups(other__internal="10.0.0.5", redis="10.0.0.5"),
    )
    with pytest.raises(AddressRefused, match="store"):
        named.check("http://redis:6379/")
    with pytest.raises(AddressRefused, match="store"):
        named.resolve("http://other.internal:6379/")  # another name of the same host
    named.resolve("http://other.internal:6380/")
    local = AddressPolicy(store="redis://localhost:6390")
    with pytest.raises(AddressRefused, match="store"):
        local.check("http://127.0.0.1:6390/")


def test_the_emulators_own_ports_on_every_address_when_it_listens_on_all() -> None:
    lookups = Lookups(box__internal="10.0.0.7")
    everywhere = AddressPolicy(
        ("*.internal",), own_ports=(8080,), bind_host="0.0.0.0", resolver=lookups
    )
    with pytest.raises(AddressRefused, match="own ports"):
        everywhere.resolve("http://box.internal:8080/_mock/reset")
    assert everywhere.resolve("http://box.internal:8082/").addresses == ("10.0.0.7",)


def test_webhook_allow_is_read_from_settings_and_its_env_twin() -> None:
    settings = Settings.from_env({"PRESENCE_MOCK_WEBHOOK_ALLOW": "receiver, *.Internal,10.0.0.9"})
    policy = AddressPolicy.from_settings(settings)
    assert policy.names == {"receiver"} and policy.suffixes == (".internal",)
    assert [str(ip) for ip in policy.ips] == ["10.0.0.9"]
    policy.check("http://10.0.0.9/")
    for bad in ("127.1", "http://x", "*", "a..b", "2130706433"):
        with pytest.raises(ConfigError, match="--webhook-allow"):
            Settings(webhook_allow=bad)


def test_update_renew_and_delivery_check_the_stored_address_again(
    admin: Api, emulator: Emulator, hook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Allowed when created, then the allow list changes: PUT and renew answer SUB-521 and a
    delivery fails without a connection."""
    port = int(hook.url.split(":")[2].split("/")[0])
    monkeypatch.setattr(socket, "getaddrinfo", Lookups(hooks__internal="127.0.0.1"))
    transport = emulator.events.transport
    monkeypatch.setattr(transport, "policy", AddressPolicy(("hooks.internal",)))
    made = admin.client.post(
        SUBS, json=webhook_body(f"http://hooks.internal:{port}/hook"), headers=admin.headers()
    ).get_json()
    transport.policy = AddressPolicy()  # loopback only now
    path = f"{SUBS}/{made['id']}"
    assert_error(
        admin.client.put(path, json={"eventFilters": [MINE]}, headers=admin.headers()),
        400,
        "SUB-521",
    )
    assert_error(admin.client.put(path, headers=admin.headers()), 400, "SUB-521")
    assert_error(admin.client.post(f"{path}/renew", headers=admin.headers()), 400, "SUB-521")
    assert admin.client.delete(path, headers=admin.headers()).status_code == 204
    admin.client.post(
        SUBS, json=webhook_body(f"http://hooks.internal:{port}/hook"), headers=admin.headers()
    )  # refused now: SUB-521 (nothing made)
    transport.policy = AddressPolicy(("hooks.internal",))
    made = admin.client.post(
        SUBS, json=webhook_body(f"http://hooks.internal:{port}/hook"), headers=admin.headers()
    ).get_json()
    transport.policy = AddressPolicy()
    assert admin.put(MINE, {"userStatus": "Busy"}).status_code == 200
    deliverer = Deliverer(emulator.events, emulator.directory, emulator.clock, owner="t")
    deliverer.step()
    [entry] = emulator.events.delivered.entries()
    assert entry["status"] is None and "allowed by --webhook-allow" in entry["error"]
    assert hook.deliveries == []
    said = send_broken(
        delivery(f"http://hooks.internal:{port}/hook", {"n": 1}, None),
        "reset",
        0,
        transport.policy,
    )
    assert "allowed by --webhook-allow" in said and hook.deliveries == []


def test_send_broken_goes_through_the_policy(no_lookups: Lookups) -> None:
    outgoing = delivery("http://169.254.169.254/latest/meta-data/", {"n": 1}, None)
    said = send_broken(outgoing, "stall", 5.0)
    assert said.startswith("I/O operation is failed. Details: [") and "--webhook-allow" in said
    assert no_lookups.calls == []


class Flood:
    """A receiver on loopback that answers with a 200 MB body (or, for a handshake, a token
    and that body) and counts the bytes it managed to send before the emulator hung up."""

    SIZE = 200 * 1024 * 1024

    def __init__(self, echo: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sent = 0
        self.echo = echo
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            request = connection.recv(65536).decode("latin-1")
            token = re.search(r"Validation-Token: (\S+)", request)
            head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            if self.echo and token:
                head += f"Validation-Token: {token.group(1)}\r\n"
            connection.sendall(f"{head}Content-Length: {self.SIZE}\r\n\r\n".encode())
            chunk = b"x" * 65536
            try:
                while self.sent < self.SIZE:
                    connection.sendall(chunk)
                    self.sent += len(chunk)
            except OSError:
                pass
        self.done.set()
        self.listener.close()


def test_a_200_mb_answer_is_not_read(no_lookups: Lookups) -> None:
    """Delivery and handshake: at most 1025 bytes read, then the connection is closed; the
    receiver could only fill the sockets' buffers (figures: docs/security.md)."""
    transport = Transport()
    flood = Flood()
    answer = transport.send(delivery(f"http://127.0.0.1:{flood.port}/hook", {"n": 1}, None))
    assert flood.done.wait(10)
    assert answer.status == 200 and len(answer.body) == 1025
    assert flood.sent < 32 * 1024 * 1024, flood.sent  # what loopback buffers hold, not 200 MB
    echoing = Flood(echo=True)
    with pytest.raises(InvalidWebhookResponse):
        transport.handshake(f"http://127.0.0.1:{echoing.port}/hook", "tok")
    assert echoing.done.wait(10)
    assert echoing.sent < 32 * 1024 * 1024, echoing.sent


class Late:
    """A receiver on loopback that answers the handshake after `delay` seconds."""

    def __init__(self, delay: float) -> None:
        self.receiver = WebhookReceiver().start()
        self.receiver.delay = delay

    def __enter__(self) -> WebhookReceiver:
        return self.receiver

    def __exit__(self, *_: object) -> None:
        self.receiver.stop()


def test_a_slow_handshake_waits_only_in_the_processs_slow_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past QUICK, a handshake goes on waiting only if its process's slow slot is free: then it
    succeeds (and frees the slot); while another holds the slot it ends with SUB-521 at once,
    even though the receiver would have answered."""
    monkeypatch.setattr(webhooks, "QUICK", 0.05)
    transport = Transport()
    with Late(0.5) as late:
        transport.handshake(late.url, "tok-1")  # waited in the slot
        assert transport._slow.acquire(blocking=False)  # and gave it back
        try:
            with pytest.raises(WebhookUnreachable):
                transport.handshake(late.url, "tok-2")  # the slot is another's
        finally:
            transport._slow.release()
        transport.handshake(late.url, "tok-3")
    assert [h.header("Validation-Token") for h in late.handshakes] == ["tok-1", "tok-2", "tok-3"]


@pytest.mark.parametrize(
    "reply", [b"HELLO\r\n\r\n", b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"\r\n"]
)
def test_an_answer_that_is_not_http_is_unreachable_not_a_crash(reply: bytes) -> None:
    """Garbage, or more header lines than an HTTP client reads: SUB-521 at the handshake, a
    failed delivery (never an exception out of the transport)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])

    def answer_twice() -> None:
        for _ in range(2):
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(reply)

    thread = threading.Thread(target=answer_twice, daemon=True)
    thread.start()
    transport = Transport()
    with pytest.raises(WebhookUnreachable):
        transport.handshake(f"http://127.0.0.1:{port}/hook", "tok")
    with pytest.raises(OSError, match="Invalid answer"):
        transport.send(delivery(f"http://127.0.0.1:{port}/hook", {"n": 1}, None))
    thread.join(5)
    listener.close()


def test_the_refusal_line_shows_no_secret_and_cannot_forge_a_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = Transport()
    for address in (
        "http://user:s3cret@127.0.0.1:9/hook?token=s3cret",
        "http://evil\r\nFAKE LINE.example/hook",
    ):
        with caplog.at_level("WARNING", logger="presence_mock"), pytest.raises(WebhookUnreachable):
            transport.check(address)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and all("\n" not in line and "\r" not in line for line in lines)
    assert "s3cret" not in "".join(lines) and "host 127.0.0.1" in lines[0]
