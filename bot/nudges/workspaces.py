"""A whole workspace leaving: when a platform tells us the bot lost access to a workspace (Slack's
`app_uninstalled`, a revoked bot token), its people's reminders stop — their data stays until they
or the operator delete it, and `resume` turns reminders on again once the bot is back."""

from __future__ import annotations

from sqlalchemy import select, update

from storage.db import Database
from storage.models import Nudge, User


def pause_workspace(db: Database, platform: str, workspace: str) -> int:
    """Mark every user of the workspace unreachable and paused, and cancel their waiting nudges
    (as a refused delivery does for one user). Returns how many users were paused."""
    with db.session() as session:
        ids = list(session.scalars(select(User.id).where(
            User.platform == platform, User.workspace == workspace)))
        if not ids:
            return 0
        session.execute(update(User).where(User.id.in_(ids))
                        .values(paused=True, unreachable=True)
                        .execution_options(synchronize_session=False))
        session.execute(update(Nudge).where(Nudge.user_id.in_(ids),
                                            Nudge.state.in_(("pending", "snoozed")))
                        .values(state="cancelled", last_error="paused")
                        .execution_options(synchronize_session=False))
        return len(ids)
