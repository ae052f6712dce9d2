"""How far the transcript so far of a long recording reaches.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("transcript_through_s", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("recordings", "transcript_through_s")
