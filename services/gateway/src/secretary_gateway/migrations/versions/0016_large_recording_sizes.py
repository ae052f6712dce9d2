"""A recording's size in 64 bits: uploads of up to 4 GiB overflowed PostgreSQL's `integer`
(SQLite's integers are 64-bit already).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("recordings", "size_bytes", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("recordings", "size_bytes", type_=sa.Integer(), existing_nullable=False)
