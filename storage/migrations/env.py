"""Alembic environment: runs on the connection `Database.upgrade` hands over, or on a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.db import normalise_url
from storage.models import Base
from storage.slack_tables import SLACK_METADATA

config = context.config
target_metadata = [Base.metadata, SLACK_METADATA]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = normalise_url(config.get_main_option("sqlalchemy.url") or "")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
