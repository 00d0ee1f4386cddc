"""`serve`'s latency and fault options (each with its PRESENCE_MOCK_ twin)."""

from __future__ import annotations

import argparse


def chaos_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--latency",
        action="append",
        metavar="[OPERATION=]DELAY[:OPTION=VALUE]",
        help="delay answers: 800ms, 100ms-300ms (uniform), 200ms~0.5 (lognormal), optionally "
        "for one operation and with rate=, next=, from=, until= (repeatable; docs/chaos.md)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        metavar="[OPERATION=]FAULT[:OPTION=VALUE]",
        help="inject 503, 500, 429, reset, empty, truncate or stall, e.g. "
        "readUserPresenceStatus=503:rate=5%% (repeatable; docs/chaos.md)",
    )
    parser.add_argument(
        "--chaos-seed", type=int, help="seed of the rules' draws (default: --seed), to replay a run"
    )
