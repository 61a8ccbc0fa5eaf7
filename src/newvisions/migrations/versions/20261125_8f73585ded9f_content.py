"""content: each user's last note (so the next one never repeats it)

Revision ID: 8f73585ded9f
Revises: 58a9a0619be6
Create Date: 2026-11-25 12:43:09.638138
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8f73585ded9f"
down_revision: str | None = "58a9a0619be6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "last_notes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_last_notes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_last_notes")),
    )


def downgrade() -> None:
    op.drop_table("last_notes")
