"""How many edits each transcript revision saved, so that the list of revisions is read
from metadata alone, without the bodies.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "transcript_revisions",
        sa.Column("edit_count", sa.Integer(), nullable=False, server_default="0"),
    )
    length = (
        "json_array_length(edits::json)"
        if op.get_bind().dialect.name == "postgresql"
        else "json_array_length(edits)"
    )
    op.execute(f"UPDATE transcript_revisions SET edit_count = coalesce({length}, 0)")


def downgrade() -> None:
    op.drop_column("transcript_revisions", "edit_count")
