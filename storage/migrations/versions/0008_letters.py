"""letters the user edited (the whole text or a paragraph), their own words for the letters'
lexicon, the formal-greeting choice and an interviewer's salutation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("edited", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("shown_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("awaiting", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_letters_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_letters_user_id")),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letters_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("words", sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("formal_letters", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("interviewers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salutation", sa.String(length=10), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("interviewers", schema=None) as batch_op:
        batch_op.drop_column("salutation")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("formal_letters")
        batch_op.drop_column("words")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letters_user_id"))
    op.drop_table("letters")
