"""The two numbers an operator watches in the database: nudges due and not yet sent (a backlog
that grows means the workers are behind or a platform refuses), and users whose reminders are
paused (a jump means a blocked bot or an uninstalled workspace)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from bot.nudges.scheduler import OPEN_STATES
from storage.db import Database
from storage.models import Nudge, User


def read_gauges(db: Database, now: datetime) -> tuple[int, int]:
    """(nudges due and not yet sent, users paused), in one statement."""
    due = (select(func.count()).select_from(Nudge)
           .where(or_(OPEN_STATES & (Nudge.due_at <= now), Nudge.state == "claimed"))
           .scalar_subquery())
    paused = (select(func.count()).select_from(User)
              .where(or_(User.paused, User.unreachable)).scalar_subquery())
    with db.session() as session:
        row = session.execute(select(due, paused)).one()
    return int(row[0]), int(row[1])
