"""People and their enrolments: the voiceprints an owner's names are recognised by.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("merged_into", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "enrolments",
        sa.Column("recording_id", sa.String(32), primary_key=True),
        sa.Column("speaker", sa.String(100), primary_key=True),
        sa.Column("person_id", sa.String(32), nullable=False, index=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("embedding", sa.JSON, nullable=False),
        sa.Column("speech_s", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("enrolments")
    op.drop_table("people")
