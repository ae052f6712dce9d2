"""Retries that don't double the work: a recording's content hash and the client's
Idempotency-Key, and a question's.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as recordings:
        recordings.add_column(sa.Column("sha256", sa.String(64), nullable=True))
        recordings.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        recordings.create_index("ix_recordings_owner_sha256", ["owner", "sha256"])
        recordings.create_index(
            "uq_recordings_owner_idempotency_key", ["owner", "idempotency_key"], unique=True
        )
    with op.batch_alter_table("questions") as questions:
        questions.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        questions.create_index(
            "uq_questions_owner_idempotency_key", ["owner", "idempotency_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("questions") as questions:
        questions.drop_index("uq_questions_owner_idempotency_key")
        questions.drop_column("idempotency_key")
    with op.batch_alter_table("recordings") as recordings:
        recordings.drop_index("uq_recordings_owner_idempotency_key")
        recordings.drop_index("ix_recordings_owner_sha256")
        recordings.drop_column("idempotency_key")
        recordings.drop_column("sha256")
