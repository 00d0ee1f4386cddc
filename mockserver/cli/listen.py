"""`presence-mock listen`: print the presence events of a filter live, for a developer's terminal.

It logs in to the server (`--url`, read as every client command reads it: cli/server_url.py;
the demo administrator by default, or --client-id/--client-secret/
--jwt, or the RINGCENTRAL_* variables), starts a WebHook receiver on loopback (the WebSocket
gateway is another way in; this command needs no more than HTTP), creates a WebHook subscription
for the filters, prints each event as it arrives, and deletes the subscription on Ctrl-C (or
after --count events). The target must be able to reach the receiver: a local emulator can.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Mapping
from types import FrameType
from typing import Any, TextIO

from mockserver.cli.server_url import add_url_option, server_url

DEFAULT_FILTER = "/restapi/v1.0/account/~/presence?detailedTelephonyState=true"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SUBSCRIPTION = "/restapi/v1.0/subscription"


def add_parser(commands: Any) -> None:
    listen = commands.add_parser(
        "listen",
        help="print the presence events of a filter live (through a WebHook on loopback)",
        epilog="The login falls back to RINGCENTRAL_CLIENT_ID, RINGCENTRAL_CLIENT_SECRET and "
        "RINGCENTRAL_JWT, then to the demo administrator. The subscription is deleted when "
        "listen stops: after --count events, on Ctrl-C or on SIGTERM.",
    )
    add_url_option(listen)
    listen.add_argument(
        "--filter",
        action="append",
        dest="filters",
        metavar="FILTER",
        help=f"an event filter, repeatable (default: {DEFAULT_FILTER})",
    )
    listen.add_argument(
        "--client-id", help="the app's client ID (default: RINGCENTRAL_CLIENT_ID, else the demo's)"
    )
    listen.add_argument(
        "--client-secret",
        help="the app's client secret (default: RINGCENTRAL_CLIENT_SECRET, else the demo's)",
    )
    listen.add_argument(
        "--jwt", help="the user's JWT credential (default: RINGCENTRAL_JWT, else the demo's)"
    )
    listen.add_argument("--json", action="store_true", help="print each envelope as JSON")
    listen.add_argument(
        "--count", type=int, help="stop after this many events (default: until stopped)"
    )
    listen.add_argument(
        "--receiver-host",
        default="127.0.0.1",
        help="where the receiver listens, the address the server POSTs to (default: 127.0.0.1)",
    )
    listen.add_argument(
        "--receiver-port", type=int, default=0, help="its port (default: 0, a free one)"
    )
    listen.add_argument(
        "--explain",
        action="store_true",
        help="also print why a change did not reach this subscription (the emulator's "
        "/_mock/events/explain: docs/explain.md); nothing more against another server",
    )
    listen.add_argument(
        "--explain-subscription",
        action="append",
        dest="explain_subscriptions",
        metavar="ID",
        help="also print why a change did not reach this other subscription, such as your "
        "app's WebSocket one (repeatable; implies --explain)",
    )


def login(
    args: argparse.Namespace, environ: Mapping[str, str], demo: dict[str, str]
) -> dict[str, str]:
    def given(flag: str, variable: str, fallback: str) -> str:
        return getattr(args, flag) or environ.get(variable) or fallback

    return {
        "target": server_url(args, environ),
        "clientId": given("client_id", "RINGCENTRAL_CLIENT_ID", demo["clientId"]),
        "clientSecret": given("client_secret", "RINGCENTRAL_CLIENT_SECRET", demo["clientSecret"]),
        "jwt": given("jwt", "RINGCENTRAL_JWT", demo["jwt"]),
    }


def run_listen(args: argparse.Namespace, demo: dict[str, str], out: TextIO = sys.stdout) -> int:
    import requests

    from presence_mock_kit.receiver import Received, WebhookReceiver

    found = login(args, os.environ, demo)
    target = found["target"]
    basic = base64.b64encode(f"{found['clientId']}:{found['clientSecret']}".encode()).decode()
    try:
        token = requests.post(
            f"{target}/restapi/oauth/token",
            data={"grant_type": JWT_GRANT, "assertion": found["jwt"]},
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        )
    except requests.RequestException as error:
        reason = type(error).__name__
        print(f"presence-mock listen: {target}: no answer ({reason})", file=sys.stderr)
        return 1
    if token.status_code != 200:
        print(
            f"presence-mock listen: login failed: {token.status_code} {token.text}", file=sys.stderr
        )
        return 1
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    arrived: queue.Queue[Received] = queue.Queue()
    _stop_on_sigterm()
    with WebhookReceiver(args.receiver_host, args.receiver_port, on_delivery=arrived.put) as hook:
        body = {
            "eventFilters": args.filters or [DEFAULT_FILTER],
            "deliveryMode": {"transportType": "WebHook", "address": hook.url},
        }
        created = requests.post(f"{target}{SUBSCRIPTION}", json=body, headers=headers, timeout=10)
        if created.status_code != 200:
            print(f"presence-mock listen: {created.status_code} {created.text}", file=sys.stderr)
            return 1
        subscription = created.json()
        filters = ", ".join(subscription["eventFilters"])
        print(
            f"listening: subscription {subscription['id']} on {filters} (WebHook {hook.url});"
            " Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        shown = 0
        others = getattr(args, "explain_subscriptions", None) or []
        whys = (
            [Explanations(target, subscription["id"], args.json)] if args.explain or others else []
        )
        whys += [Explanations(target, other, args.json, named=True) for other in others]
        try:
            while args.count is None or shown < args.count:
                for why in whys:
                    for line in why.new_lines():
                        print(line, file=out, flush=True)
                try:
                    received = arrived.get(timeout=0.5)
                except queue.Empty:
                    continue
                print(_line(received.json, args.json), file=out, flush=True)
                shown += 1
        except KeyboardInterrupt:
            pass
        finally:
            requests.delete(
                f"{target}{SUBSCRIPTION}/{subscription['id']}", headers=headers, timeout=10
            )
    return 0


def _stop_on_sigterm() -> None:
    """SIGTERM (a service manager's, `kill`'s) stops listen as Ctrl-C does, so the subscription
    is deleted rather than left to deliver to a receiver that is gone."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _line(envelope: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(envelope, separators=(",", ":"))
    body = envelope.get("body", {})
    fields = ("presenceStatus", "userStatus", "dndStatus", "telephonyStatus", "meetingStatus")
    shown = " ".join(f"{k}={body[k]}" for k in fields if k in body)
    calls = f" calls={body['totalActiveCalls']}" if "totalActiveCalls" in body else ""
    stamp = envelope.get("timestamp") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return f"{stamp} ext={body.get('extensionId')} seq={body.get('sequence')} {shown}{calls}"


class Explanations:
    """`--explain`: the changes the emulator weighed for this subscription that did not reach
    it, each once, with the reason (GET /_mock/events/explain?subscriptionId=). `named`: another
    subscription than the listener's (--explain-subscription), whose lines name it."""

    def __init__(
        self, target: str, subscription_id: str, as_json: bool, named: bool = False
    ) -> None:
        self.url = f"{target}/_mock/events/explain"
        self.subscription_id = subscription_id
        self.as_json = as_json
        self.named = named
        self.seen: set[tuple[Any, ...]] = set()
        self.available = True

    def new_lines(self) -> list[str]:
        import requests

        if not self.available:
            return []
        try:
            answer = requests.get(
                self.url, params={"subscriptionId": self.subscription_id}, timeout=10
            )
        except requests.RequestException:
            return []
        if answer.status_code != 200:
            self.available = False  # not the emulator, or its controls are locked: said once
            print(
                f"presence-mock listen: no explanations from the target "
                f"({answer.status_code} on /_mock/events/explain)",
                file=sys.stderr,
                flush=True,
            )
            return []
        lines = []
        for change in reversed(answer.json().get("changes", [])):
            for row in change.get("subscriptions", []):
                if row.get("delivered") or row.get("reason") == "pending":
                    continue  # a delivered one is printed as it arrives; a pending one may come
                key = (change.get("position"), change["considered"], change["time"], row["reason"])
                if key in self.seen:
                    continue
                self.seen.add(key)
                lines.append(_why(change, row, self.as_json, self.named))
        return lines


def _why(change: dict[str, Any], row: dict[str, Any], as_json: bool, named: bool = False) -> str:
    if as_json:
        shown = {k: v for k, v in change.items() if k != "subscriptions"}
        return json.dumps({"notDelivered": {**shown, **row}}, separators=(",", ":"))
    seq = f" seq={change['sequence']}" if "sequence" in change else ""
    detail = f": {row['detail']}" if row.get("detail") else ""
    who = f" subscription={row['subscriptionId']} ({row['transport']})" if named else ""
    return (
        f"{change['timestamp']} ext={change['extensionId']}{seq}{who} not delivered "
        f"({row['reason']}){detail}"
    )
