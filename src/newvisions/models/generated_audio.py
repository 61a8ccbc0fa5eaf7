from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from newvisions.models.base import Base, TimestampMixin


class GeneratedAudio(TimestampMixin, Base):
    """A rendered voice memo on disk, private to its owner until it expires."""

    __tablename__ = "generated_audio"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Relative to the audio directory inside NV_DATA_DIR.
    path: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(32))
    duration_s: Mapped[float]
    size_bytes: Mapped[int]
    title: Mapped[str] = mapped_column(String(100))
    memo_date: Mapped[date]
    expires_at: Mapped[datetime] = mapped_column(index=True)
