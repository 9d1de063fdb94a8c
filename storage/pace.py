"""A pace shared through the database by every process that sends through one account.

A platform limits an account, not a process: one Telegram bot may send about 30 messages a
second, whether one worker delivers its nudges or two. Each worker keeping its own 30 a second
offers the platform 60, and what comes back is 429s and pauses. `SharedPace` hands out send
slots instead, one row per account: `reserve()` takes the next free slot — `1 / per_second`
after the one before, never in the past — in one statement, and says how long to wait for it
(the generic cell rate algorithm, with the row as its theoretical arrival time). The clock is the
database's, so workers on different machines agree."""

from __future__ import annotations

import logging
import time

from sqlalchemy import text

from storage.db import Database

log = logging.getLogger(__name__)

_NOW = {
    # the moment the statement began, the same in every part of it
    "postgresql": "extract(epoch from statement_timestamp())",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",  # fixed within a statement too
}
_LATER = {"postgresql": "greatest", "sqlite": "max"}


class SharedPace:
    """At most `per_second` sends a second for `key`, across every process that uses it."""

    #: After the database failed, how long to go on at the local limits alone before asking again.
    retry_after_failure = 5.0

    def __init__(self, db: Database, key: str, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.db = db
        self.key = key[:100]
        self.step = 1.0 / per_second
        dialect = db.engine.dialect.name
        now, later = _NOW.get(dialect), _LATER.get(dialect)
        if now is None or later is None:
            raise ValueError(f"no shared pace on {dialect}")
        self._statement = text(
            f"INSERT INTO send_paces (key, next_at) VALUES (:key, {now} + :step) "
            f"ON CONFLICT (key) DO UPDATE SET next_at = {later}(send_paces.next_at, {now}) + :step "
            f"RETURNING next_at - :step, {now}")
        self._failed_at: float | None = None
        self.reserved = 0
        """How many slots this process took."""

    def reserve(self) -> float:
        """Take the next free slot: the seconds to wait before sending in it (0: at once).

        Should the database be away, 0 — the caller's own limits still hold — and the pace is
        asked again only after `retry_after_failure` seconds, so a dead database costs nothing
        per send."""
        if self._failed_at is not None:
            if time.monotonic() - self._failed_at < self.retry_after_failure:
                return 0.0
            self._failed_at = None
        try:
            slot, now = self.take()
        except Exception:  # noqa: BLE001 - pacing is an optimisation; sending goes on
            log.warning("the shared send pace %r is unavailable; local limits only",
                        self.key, exc_info=True)
            self._failed_at = time.monotonic()
            return 0.0
        return max(0.0, slot - now)

    def take(self) -> tuple[float, float]:
        """Take the next free slot: (its moment, now), both on the database's clock."""
        with self.db.session() as session:
            slot, now = session.execute(self._statement,
                                        {"key": self.key, "step": self.step}).one()
        self.reserved += 1
        return float(slot), float(now)
