"""Webhooks that can be disabled after failing in a row, and whose secret can be rotated.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as webhooks:
        webhooks.add_column(sa.Column("previous_secret", sa.String(100), nullable=True))
        webhooks.add_column(
            sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True)
        )
        webhooks.add_column(
            sa.Column("failures_in_a_row", sa.Integer, nullable=False, server_default="0")
        )
        webhooks.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        webhooks.add_column(sa.Column("disabled_reason", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhooks") as webhooks:
        for column in (
            "disabled_reason",
            "disabled_at",
            "failures_in_a_row",
            "previous_secret_until",
            "previous_secret",
        ):
            webhooks.drop_column(column)
