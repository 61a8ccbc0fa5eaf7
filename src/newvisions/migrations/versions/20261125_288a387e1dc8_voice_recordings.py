"""voice_recordings

Revision ID: 288a387e1dc8
Revises: 639d4f02bcec
Create Date: 2026-11-25 13:03:06.045847
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "288a387e1dc8"
down_revision: str | None = "639d4f02bcec"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_recordings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=160), nullable=False),
        sa.Column("mime_type", sa.String(length=32), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("source_codec", sa.String(length=32), nullable=False),
        sa.Column("source_bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("analysis_status", sa.String(length=16), nullable=False),
        sa.Column("analysis", sa.JSON(), nullable=True),
        sa.Column("analysis_error", sa.String(length=200), nullable=True),
        sa.Column("analysis_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("analysis_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_voice_recordings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_recordings")),
        sa.UniqueConstraint("user_id", name=op.f("uq_voice_recordings_user_id")),
    )


def downgrade() -> None:
    op.drop_table("voice_recordings")
