"""A WebSocket subscription to the caller's own presence, made straight through the service (the
gateway's unit tests need one without a login over the socket)."""

from __future__ import annotations

from mockserver.emulator import Emulator
from mockserver.events.subscriptions import WEBSOCKET, Subscription
from mockserver.platform.tokens import Caller
from tests.support.login import Api

MINE = "/restapi/v1.0/account/~/extension/~/presence"


def websocket_subscription(emulator: Emulator, admin: Api) -> Subscription:
    app = emulator.directory.apps[0]
    owner = Caller(admin.owner.account_id, admin.owner.id, app.client_id, True, app.permissions, 0)
    body = {"eventFilters": [MINE], "deliveryMode": {"transportType": WEBSOCKET}}
    return emulator.events.subscriptions.create(owner, body, transport=WEBSOCKET, session_id="s")
