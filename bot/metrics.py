"""What `/metrics` shows, with prometheus-client: counters (turns, nudges sent, failures,
retries), latency histograms (a turn by platform, understanding a sentence, each platform API
call, how late a nudge went out), gauges read from the database when scraped (nudges due and
not yet sent, users paused) and the process's own metrics (CPU, memory, open files, GC).

Every process has its own registry and serves it on its own port (`serve` on `PORT`, `worker`
on `METRICS_PORT`); the database gauges are the same from any process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

__all__ = ["CONTENT_TYPE_LATEST", "REGISTRY", "delivery_call", "inc", "observe_lateness",
           "prometheus_text", "set_database_gauges", "timed_turn", "value"]

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

HELP = {
    "afterview_turns_total": "Conversation turns handled",
    "afterview_turn_errors_total": "Turns that failed (answered with an apology)",
    "afterview_nudges_sent_total": "Nudges delivered",
    "afterview_nudge_messages_total": "Nudge messages delivered (several nudges may merge)",
    "afterview_delivery_failures_total": "Failed deliveries (retried later unless permanent)",
    "afterview_delivery_retries_total": "Deliveries rescheduled after a failure or a 429",
    "afterview_duplicate_updates_total": "Inbound platform events ignored as duplicates",
}
_COUNTERS = {name: Counter(name, text, registry=REGISTRY) for name, text in HELP.items()}

TURN_SECONDS = Histogram(
    "afterview_turn_seconds", "One conversation turn, from the platform's update to the "
    "answer being ready (database transaction included)", ["platform"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
UNDERSTANDING_SECONDS = Histogram(
    "afterview_understanding_seconds", "Reading what a free-text message means (intents, "
    "companies, dates)", registry=REGISTRY,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1))
DELIVERY_SECONDS = Histogram(
    "afterview_delivery_seconds", "One call to a platform's API (send, edit, upload…), by "
    "outcome: ok, refused (an API error), limited (429), failed (network, 5xx)",
    ["platform", "method", "outcome"], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
NUDGE_LATENESS = Histogram(
    "afterview_nudge_lateness_seconds", "How late a nudge went out: sent minus due",
    registry=REGISTRY,
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600))
NUDGES_DUE = Gauge(
    "afterview_nudges_due", "Nudges due and not yet sent (pending or claimed), read from the "
    "database when scraped", registry=REGISTRY)
USERS_PAUSED = Gauge(
    "afterview_users_paused", "Users whose reminders are paused (by themselves, a blocked bot "
    "or an uninstalled workspace), read from the database when scraped", registry=REGISTRY)


def inc(name: str, amount: int = 1) -> None:
    _COUNTERS[name].inc(amount)


def value(name: str) -> int:
    """A counter's current value in this process."""
    return int(REGISTRY.get_sample_value(name) or 0)


@contextmanager
def timed_turn(platform: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        TURN_SECONDS.labels(platform).observe(time.perf_counter() - started)


def delivery_call(platform: str, method: str, outcome: str, seconds: float) -> None:
    DELIVERY_SECONDS.labels(platform, method, outcome).observe(seconds)


def observe_lateness(seconds: float) -> None:
    NUDGE_LATENESS.observe(max(seconds, 0.0))


def set_database_gauges(nudges_due: int, users_paused: int) -> None:
    NUDGES_DUE.set(nudges_due)
    USERS_PAUSED.set(users_paused)


def prometheus_text() -> str:
    return generate_latest(REGISTRY).decode("utf-8")
