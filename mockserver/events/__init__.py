"""Presence events: the event log, what each subscription is sent, subscriptions and
WebHook delivery. The WebSocket gateway (mockserver/gateway, another package) builds on these.

  filters.py       event filter strings: parsed, `~` resolved, refused with a reason
  bodies.py        a presence record -> the event body of each filter
  log.py           EventLog over the store: append-only, positions that only grow
  publisher.py     listens on PresenceService.changed; logs what changed, with its sequence
  matching.py      envelope_for(subscription, change, services): filters, precedence, visibility
  subscriptions.py SubscriptionService: create, list, read, update, renew, delete (both transports)
  webhooks.py      the HTTP side of a WebHook: the handshake and one POST
  delivery.py      Deliverer: exactly once per event and subscription, retries, blacklisting
  delivery_journal.py what was delivered, for /_mock/events and wait_for_event
"""
