"""Why a recording has no summary, when the llm service said none will come (no language
model configured, or it could not be reached).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("summary_error_code", sa.String(64), nullable=True))
    op.add_column("recordings", sa.Column("summary_error_message", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("recordings", "summary_error_message")
    op.drop_column("recordings", "summary_error_code")
