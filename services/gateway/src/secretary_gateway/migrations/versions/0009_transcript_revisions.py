"""Edited transcripts: the revision a transcript is at, and every revision kept.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transcripts") as transcripts:
        transcripts.add_column(
            sa.Column("revision", sa.Integer, nullable=False, server_default="0")
        )
    op.create_table(
        "transcript_revisions",
        sa.Column("recording_id", sa.String(32), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("edits", sa.JSON, nullable=False),
        sa.Column("reverted_to", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("transcript_revisions")
    with op.batch_alter_table("transcripts") as transcripts:
        transcripts.drop_column("revision")
