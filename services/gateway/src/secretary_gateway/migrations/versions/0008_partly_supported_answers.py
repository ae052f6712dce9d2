"""Answers that are only partly supported: the sentences that cite nothing.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as questions:
        questions.add_column(sa.Column("unsupported_sentences", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions") as questions:
        questions.drop_column("unsupported_sentences")
