"""an index of the employer contacts nudges made: the scheduler's weekly-gap check reads a
batch's from the index alone

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:06:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "kind IN ('check_in', 'follow_up', 'ghost_check') AND sent_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_nudges_contacts_sent",
            ["user_id", "application_id", "sent_at", "kind", "id"],
            unique=False,
            sqlite_where=sa.text(WHERE),
            postgresql_where=sa.text(WHERE),
        )


def downgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_nudges_contacts_sent", sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE)
        )
