"""What an owner's requests take before their work is recorded: a row per owner that admitting
requests lock in turn, and the uploads admitted and still streaming.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("owner_admissions", sa.Column("owner", sa.String(200), primary_key=True))
    op.create_table(
        "upload_reservations",
        sa.Column("recording_id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("upload_reservations")
    op.drop_table("owner_admissions")
