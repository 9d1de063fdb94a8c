"""Process-wide counters (turns, nudges sent, failures, retries), shown on `/metrics`."""

from __future__ import annotations

import threading
from collections import Counter

_lock = threading.Lock()
_counts: Counter[str] = Counter()

HELP = {
    "afterview_turns_total": "Conversation turns handled",
    "afterview_turn_errors_total": "Turns that failed (answered with an apology)",
    "afterview_nudges_sent_total": "Nudges delivered",
    "afterview_nudge_messages_total": "Nudge messages delivered (several nudges may merge)",
    "afterview_delivery_failures_total": "Failed deliveries (retried later unless permanent)",
    "afterview_delivery_retries_total": "Deliveries rescheduled after a failure or a 429",
    "afterview_duplicate_updates_total": "Inbound platform events ignored as duplicates",
}


def inc(name: str, amount: int = 1) -> None:
    with _lock:
        _counts[name] += amount


def value(name: str) -> int:
    with _lock:
        return _counts[name]


def prometheus_text() -> str:
    with _lock:
        snapshot = dict(_counts)
    lines = []
    for name, help_text in HELP.items():
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} counter")
        lines.append(f"{name} {snapshot.get(name, 0)}")
    return "\n".join(lines) + "\n"
