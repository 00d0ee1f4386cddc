"""Chaos: latency and faults on demand, by rule or per request (docs/chaos.md).

specs.py reads rules (text and JSON) and the `Prefer` header; injector.py decides what a request
gets, the same way in every worker and replayably by seed; faults.py makes the network's faults
(reset, empty reply, cut body, stall) from inside a WSGI app. The web layer applies them
(web/chaos_api.py); the WebHook deliverer (events/delivery.py) and the WebSocket gateway
(gateway/app.py) ask `Chaos.transport_plan` with their own operation names.
"""

from mockserver.chaos.faults import INPROCESS, NetworkFault, broken_body, hang_up, stall
from mockserver.chaos.injector import Chaos, Plan
from mockserver.chaos.specs import FAULTS, NETWORK_FAULTS, Fault, SpecError, Transport

__all__ = [
    "FAULTS",
    "INPROCESS",
    "NETWORK_FAULTS",
    "Chaos",
    "Fault",
    "NetworkFault",
    "Plan",
    "SpecError",
    "Transport",
    "broken_body",
    "hang_up",
    "stall",
]
