"""The emulator on Flask: the app factory, a blueprint per surface, the hooks every request takes.

`api` serves the RingCentral REST API, `oauth` the token endpoints, `controls` the emulator's own
`/_mock/` controls; each registers its views from the one route table (mockserver/operations.py).
"""
