"""The WebSocket gateway: one aiohttp process that `serve` starts beside granian's
WSGI workers, on a port of its own (docs/serving.md says why: a WSGI worker cannot hold a socket).

  frames.py    the wire: JSON arrays of [meta] or [meta, body] (docs/contract.md#websocket-frames)
  socket_sessions.py  live sessions and dropped ones kept for recovery (wsc, 100 missed events)
  core.py      what it uses of the emulator and the events core (log, matching, subscriptions)
  tail.py      the thread that follows the event log in the store
  stream.py    GET /_mock/stream: the event log as Server-Sent Events (the board)
  app.py       the aiohttp application: /ws, /_mock/stream, /_mock/health
The process that runs it, and its supervisor, are the runtime's (mockserver/runtime/).
"""
