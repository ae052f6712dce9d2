"""API keys, speaker names, search, retention, stage timeline, webhooks.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as recordings:
        recordings.add_column(
            sa.Column("speaker_names", sa.JSON, nullable=False, server_default="{}")
        )
        recordings.add_column(sa.Column("timeline", sa.JSON, nullable=False, server_default="{}"))
        recordings.add_column(
            sa.Column("media_deleted_at", sa.DateTime(timezone=True), nullable=True)
        )
        recordings.create_index("ix_recordings_created_at", ["created_at"])

    op.create_table(
        "segments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recording_id", sa.String(32), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("start", sa.Float, nullable=False),
        sa.Column("end", sa.Float, nullable=False),
        sa.Column("speaker", sa.String(100), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # an external-content FTS5 index over segments.text, kept in step by triggers
        op.execute(
            "CREATE VIRTUAL TABLE segments_fts USING fts5("
            "text, content='segments', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments BEGIN "
            "INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN "
            "INSERT INTO segments_fts(segments_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_segments_text_search ON segments "
            "USING gin (to_tsvector('simple', text))"
        )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("webhook_id", sa.String(32), nullable=False, index=True),
        sa.Column("recording_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("webhook_deliveries", "webhooks", "api_keys"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE segments_fts")
    op.drop_table("segments")
    with op.batch_alter_table("recordings") as recordings:
        recordings.drop_index("ix_recordings_created_at")
        for column in ("media_deleted_at", "timeline", "speaker_names"):
            recordings.drop_column(column)
