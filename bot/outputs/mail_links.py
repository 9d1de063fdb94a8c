"""Mail links that open on a phone: a letter's whole `mailto:` (body included, whatever its
length) stored behind an opaque https link to the product's own server, `PUBLIC_URL/mail/<token>`,
which redirects to it. A link is valid 30 days and belongs to the user it was made for: it is
erased with their data, and a token says nothing about its letter or its owner.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.messages import Reply
from storage.db import Database
from storage.models import MailLink, User
from storage.repository import Repository

VALID_FOR = timedelta(days=30)
TOKEN_BYTES = 24  # 32 url-safe characters
PATH = "/mail/"


def url_for(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{PATH}{token}"


def issue(repo: Repository, mailto: str, now: datetime) -> str:
    """A new token for this user's letter (one per letter shown)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    repo.session.add(MailLink(token=token, user_id=repo.user.id, mailto=mailto, created_at=now))
    return token


def with_links(repo: Repository, replies: list[Reply], public_url: str,
               now: datetime) -> list[Reply]:
    """The replies, each letter with a mail link (`Draft.link`) when it has a mailto."""
    linked = []
    for reply in replies:
        draft = reply.draft
        if draft is not None and draft.mailto and draft.link is None:
            token = issue(repo, draft.mailto, now)
            reply = replace(reply, draft=replace(draft, link=url_for(public_url, token)))
        linked.append(reply)
    return linked


def resolve(db: Database, token: str, now: datetime) -> str | None:
    """The mailto behind a token: None when unknown, expired, or its owner's data is gone."""
    if not token or len(token) > 64:
        return None
    with db.session() as session:
        row = session.execute(
            select(MailLink.mailto, MailLink.created_at)
            .join(User, User.id == MailLink.user_id)
            .where(MailLink.token == token)).first()
    if row is None or now - row.created_at > VALID_FOR:
        return None
    return str(row.mailto)
