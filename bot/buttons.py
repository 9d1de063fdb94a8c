"""Opaque button tokens: adapters whose callback data must be short and unguessable (Telegram's
64 bytes, Slack action values) send a token instead of the value; only its owner can redeem it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from bot.clock import Clock, SystemClock
from bot.messages import UserKey
from storage.db import Database
from storage.models import ButtonToken
from storage.repository import Repository

TOKEN_BYTES = 9  # 12 url-safe characters


class ButtonVault:
    """Issues tokens for button values, per user; the engine redeems them on a press."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def issue(self, user: UserKey, values: Sequence[str]) -> list[str]:
        """One token per value (the same value keeps its token), in one transaction."""
        if not values:
            return []
        with self.db.session() as session:
            repo = Repository.for_key(session, user.platform, user.workspace, user.user_id)
            assert repo is not None
            return issue_tokens(repo, values, self.clock.now())


def issue_tokens(repo: Repository, values: Sequence[str], now: datetime) -> list[str]:
    wanted = {v[:500] for v in values}
    known = {row.value: row.token for row in repo.session.scalars(
        select(ButtonToken).where(ButtonToken.user_id == repo.user.id,
                                  ButtonToken.value.in_(list(wanted))))}
    for value in wanted - set(known):
        token = secrets.token_urlsafe(TOKEN_BYTES)
        repo.session.add(ButtonToken(token=token, user_id=repo.user.id, value=value,
                                     created_at=now))
        known[value] = token
    repo.session.flush()
    return [known[v[:500]] for v in values]


def redeem(repo: Repository, token: str) -> str | None:
    """The value behind a token, only if it belongs to this user."""
    if not token or len(token) > 24:
        return None
    row = repo.session.get(ButtonToken, token)
    if row is None or row.user_id != repo.user.id:
        return None
    return row.value
