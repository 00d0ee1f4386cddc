"""Recording: `record` proxies a real server and writes what passed through, scrubbed
(proxy.py, scrub.py, exchange.py); a recording becomes a fixture (replay.py); `drift` compares
the real answers with the emulator's (drift.py, shapes.py), telling the recording's own limits
from drift (limits.py), reported as text, JSON or JUnit (drift_report.py). docs/recording.md."""
