"""What a finished transcript says about itself: warnings, flagged segments, language certainty.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as recordings:
        recordings.add_column(sa.Column("warnings", sa.JSON, nullable=False, server_default="[]"))
        recordings.add_column(
            sa.Column("flagged_segments", sa.JSON, nullable=False, server_default="{}")
        )
        recordings.add_column(sa.Column("language_probability", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings") as recordings:
        recordings.drop_column("language_probability")
        recordings.drop_column("flagged_segments")
        recordings.drop_column("warnings")
