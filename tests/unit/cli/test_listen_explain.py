"""`presence-mock listen --explain` (docs/explain.md): besides each event, why a change did not
reach the listener's subscription. Run against the in-process emulator (its WebHooks reach the
listener's receiver on loopback for real), and against a server with no explanations."""

from __future__ import annotations

import argparse
import io
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from mockserver import PresenceMock
from mockserver.cli.listen import run_listen

SERVER = "https://platform.ringcentral.com"


def args_of(**given: Any) -> argparse.Namespace:
    base = dict(
        url=SERVER,
        filters=None,
        client_id=None,
        client_secret=None,
        jwt=None,
        json=False,
        count=1,
        receiver_host="127.0.0.1",
        receiver_port=0,
        explain=True,
    )
    return argparse.Namespace(**{**base, **given})


def listening(mock: PresenceMock, args: argparse.Namespace) -> tuple[threading.Thread, io.StringIO]:
    out = io.StringIO()
    thread = threading.Thread(target=run_listen, args=(args, mock.credentials, out), daemon=True)
    thread.start()
    return thread, out


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def token(mock: PresenceMock, jwt: str | None = None) -> dict[str, str]:
    creds = mock.credentials
    answer = requests.post(
        f"{SERVER}/restapi/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": jwt or creds["jwt"],
        },
        auth=(creds["clientId"], creds["clientSecret"]),
        timeout=5,
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_listen_explains_what_did_not_come_then_prints_what_did() -> None:
    with PresenceMock() as mock:
        headers = token(mock)
        me = requests.get(f"{SERVER}/restapi/v1.0/account/~/extension/~", headers=headers).json()
        other = next(u for u in mock.users if str(u["extensionId"]) != str(me["id"]))
        mine = f"/restapi/v1.0/account/~/extension/{me['id']}/presence"
        theirs = f"/restapi/v1.0/account/~/extension/{other['extensionId']}/presence"
        thread, out = listening(mock, args_of(filters=[mine]))
        subs = f"{SERVER}/restapi/v1.0/subscription"
        eventually(lambda: requests.get(subs, headers=headers).json()["records"], "no subscription")
        same = requests.get(f"{SERVER}{mine}", headers=headers).json()["userStatus"]
        requests.put(f"{SERVER}{mine}", json={"userStatus": same}, headers=headers)
        requests.put(f"{SERVER}{theirs}", json={"userStatus": "Busy"}, headers=headers)
        eventually(lambda: "filterDidNotMatch" in out.getvalue(), out.getvalue())
        eventually(lambda: "noFieldChanged" in out.getvalue(), out.getvalue())
        new = "Busy" if same != "Busy" else "Available"
        requests.put(f"{SERVER}{mine}", json={"userStatus": new}, headers=headers)
        thread.join(10)
        assert not thread.is_alive()
        lines = out.getvalue().splitlines()
        assert (
            f"ext={other['extensionId']}" in lines[0] or f"ext={other['extensionId']}" in lines[1]
        )
        assert any(
            f"the nearest is {mine.replace('~', str(me['account']['id']))}" in line
            for line in lines
        )
        assert f"userStatus={new}" in lines[-1]


def test_no_explanations_from_a_server_without_them(monkeypatch: Any) -> None:
    with PresenceMock() as mock:
        original = requests.get

        def without(url: str, *a: Any, **k: Any) -> Any:
            if url.endswith("/_mock/events/explain"):
                answer = requests.Response()
                answer.status_code = 404
                return answer
            return original(url, *a, **k)

        monkeypatch.setattr(requests, "get", without)
        thread, out = listening(mock, args_of())
        headers = token(mock)
        subs = f"{SERVER}/restapi/v1.0/subscription"
        eventually(lambda: original(subs, headers=headers).json()["records"], "no subscription")
        mine = f"{SERVER}/restapi/v1.0/account/~/extension/~/presence"
        now = original(mine, headers=headers).json()["userStatus"]
        new = "Busy" if now != "Busy" else "Available"
        requests.put(mine, json={"userStatus": now}, headers=headers)  # unexplained: no line
        requests.put(mine, json={"userStatus": new}, headers=headers)
        thread.join(10)
        assert not thread.is_alive()
        [line] = out.getvalue().splitlines()
        assert f"userStatus={new}" in line and "not delivered" not in line


def test_listen_explains_a_chaos_rule_and_an_expiry() -> None:
    with PresenceMock() as mock:
        headers = token(mock)
        mine = f"{SERVER}/restapi/v1.0/account/~/extension/~/presence"
        args = args_of(filters=[mine.removeprefix(SERVER)], count=2)
        thread, out = listening(mock, args)
        subs = f"{SERVER}/restapi/v1.0/subscription"
        eventually(lambda: requests.get(subs, headers=headers).json()["records"], "no subscription")
        rules = {"rules": [{"operation": "webhookDelivery", "fault": "503", "next": 1}]}
        assert requests.put(f"{SERVER}/_mock/chaos", json=rules, timeout=5).status_code == 200
        now = requests.get(mine, headers=headers).json()["userStatus"]
        new = "Busy" if now != "Busy" else "Available"
        requests.put(mine, json={"userStatus": new}, headers=headers)
        eventually(lambda: "(chaosRule)" in out.getvalue(), out.getvalue())
        requests.post(f"{SERVER}/_mock/clock", json={"advance": 604_800}, timeout=5)
        later = token(mock)  # a week on, the first token has expired too
        assert requests.put(mine, json={"userStatus": "Offline"}, headers=later).status_code == 200
        eventually(lambda: "(expired)" in out.getvalue(), out.getvalue())
        # Back on real time the subscription lives again: what follows ends the listener.
        requests.post(f"{SERVER}/_mock/clock", json={"offset": 0}, timeout=5)
        requests.put(mine, json={"userStatus": new}, headers=headers)
        thread.join(10)
        assert not thread.is_alive()
    assert "webhookDelivery (503)" in out.getvalue()


def test_listen_as_a_user_explains_a_hidden_user() -> None:
    with PresenceMock() as mock:
        admin = token(mock)
        watcher, hidden = [u for u in mock.users if not u["admin"]][:2]
        path = f"/restapi/v1.0/account/~/extension/{hidden['extensionId']}/presence"
        thread, out = listening(mock, args_of(filters=[path], count=2, jwt=watcher["jwt"]))
        subs = f"{SERVER}/restapi/v1.0/subscription"
        mine = token(mock, watcher["jwt"])
        eventually(lambda: requests.get(subs, headers=mine).json()["records"], "no subscription")
        requests.put(f"{SERVER}{path}", json={"allowSeeMyPresence": False}, headers=admin)
        now = requests.get(f"{SERVER}{path}", headers=admin).json()["userStatus"]
        new = "Busy" if now != "Busy" else "Available"
        requests.put(f"{SERVER}{path}", json={"userStatus": new}, headers=admin)
        eventually(lambda: "(hiddenUser)" in out.getvalue(), out.getvalue())
        requests.put(f"{SERVER}{path}", json={"allowSeeMyPresence": True}, headers=admin)
        thread.join(10)
        assert not thread.is_alive()
    first, why, last = out.getvalue().splitlines()
    assert "presenceStatus=Offline" in first and "allowSeeMyPresence" in why
    assert f"userStatus={new}" in last


def test_listen_explains_blacklisted_suspended_and_a_missing_permission() -> None:
    with PresenceMock() as mock:
        headers = token(mock)
        mine = f"{SERVER}/restapi/v1.0/account/~/extension/~/presence"
        thread, out = listening(mock, args_of(filters=[mine.removeprefix(SERVER)], count=1))
        subs = f"{SERVER}/restapi/v1.0/subscription"
        eventually(lambda: requests.get(subs, headers=headers).json()["records"], "no subscription")
        service = mock.emulator.events.subscriptions
        [made] = service.all()
        statuses = iter(["Busy", "Available", "Busy", "Available"])
        if requests.get(mine, headers=headers).json()["userStatus"] == "Busy":
            statuses = iter(["Available", "Busy", "Available", "Busy"])
        for reason, changed in (
            ("blacklisted", {"status": "Blacklisted", "blacklistedAt": 0.0}),
            ("suspended", {"status": "Suspended", "blacklistedAt": None}),
            ("missingPermission", {"status": "Active", "permissions": ["EditPresence"]}),
        ):
            record = {**made.to_record(), **changed}
            service.store.put_member("subscriptions", made.id, record)
            requests.put(mine, json={"userStatus": next(statuses)}, headers=headers)
            said = f"({reason})"
            eventually(lambda: said in out.getvalue(), out.getvalue())  # noqa: B023 (waited at once)
        service.store.put_member("subscriptions", made.id, made.to_record())
        requests.put(mine, json={"userStatus": next(statuses)}, headers=headers)
        thread.join(10)
        assert not thread.is_alive()
    lines = out.getvalue().splitlines()
    assert [line.split("(")[1].split(")")[0] for line in lines[:3]] == [
        "blacklisted",
        "suspended",
        "missingPermission",
    ]
    assert "userStatus=" in lines[3]


def test_listen_explains_a_receiver_that_rate_limits_then_fails(monkeypatch: Any) -> None:
    """The listener's own receiver answers 429, then 500: `rate`, then `receiverFailed` (a
    WebSocket reason never reaches this command: its subscription is a WebHook)."""
    from presence_mock_kit import receiver

    receivers: list[receiver.WebhookReceiver] = []

    class Refusing(receiver.WebhookReceiver):
        def start(self) -> receiver.WebhookReceiver:
            self.status = 429
            receivers.append(self)
            return super().start()

    monkeypatch.setattr(receiver, "WebhookReceiver", Refusing)
    with PresenceMock() as mock:
        headers = token(mock)
        mine = f"{SERVER}/restapi/v1.0/account/~/extension/~/presence"
        args = args_of(filters=[mine.removeprefix(SERVER)], count=None)
        thread, out = listening(mock, args)
        subs = f"{SERVER}/restapi/v1.0/subscription"
        eventually(lambda: requests.get(subs, headers=headers).json()["records"], "no subscription")
        [hook] = receivers
        now = requests.get(mine, headers=headers).json()["userStatus"]
        first = "Busy" if now != "Busy" else "Available"
        requests.put(mine, json={"userStatus": first}, headers=headers)
        eventually(lambda: "(rate)" in out.getvalue(), out.getvalue())
        hook.status = 500
        requests.put(mine, json={"userStatus": now}, headers=headers)
        eventually(lambda: "(receiverFailed)" in out.getvalue(), out.getvalue())
        args.count = 0  # the listener stops at its next look
        thread.join(10)
        assert not thread.is_alive()
    said = out.getvalue().splitlines()
    [rate] = [line for line in said if "(rate)" in line]
    assert "rate limiting (429)" in rate
    failed = [line for line in said if "(receiverFailed)" in line]
    assert failed and all("500" in line for line in failed)
