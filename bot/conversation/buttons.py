"""Opaque button tokens: adapters whose callback data must be short and unguessable (Telegram's
64 bytes, Slack action values) send a token instead of the value; only its owner can redeem it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select

from bot.clock import Clock, SystemClock
from bot.messages import UserKey
from storage.db import Database
from storage.models import ButtonToken, table_of
from storage.repository import Repository, token_value

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


def issue_tokens(repo: Repository, values: Sequence[str], now: datetime,
                 known: dict[str, str] | None = None) -> list[str]:
    """One token per value, in order; a value that has a token keeps it. One query reads the
    known ones (unless `known` gives them: `repo.known_tokens(values)`), one statement
    inserts the new ones."""
    if not values:
        return []
    tokens = dict(repo.known_tokens(values) if known is None else known)
    new = {value: secrets.token_urlsafe(TOKEN_BYTES)
           for value in dict.fromkeys(map(token_value, values)) if value not in tokens}
    repo.add_tokens(new, now)
    tokens.update(new)
    return [tokens[token_value(v)] for v in values]


def redeem(repo: Repository, token: str) -> str | None:
    """The value behind a token, only if it belongs to this user."""
    if not token or len(token) > 24:
        return None
    row = repo.session.connection().execute(_TOKEN, {"token": token}).first()
    if row is None or row.user_id != repo.user.id:
        return None
    return str(row.value)


_TOKENS = table_of(ButtonToken)
_TOKEN = select(_TOKENS.c.user_id, _TOKENS.c.value).where(_TOKENS.c.token == bindparam("token"))
