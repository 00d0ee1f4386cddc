"""Simulated telephony: calls, queue calls, park, transfer and meetings that change
presence (call_engine.py, over the account's session record: call_sessions.py), scenario timelines
(scenario.py) and the office that moves by itself (activity.py)."""
