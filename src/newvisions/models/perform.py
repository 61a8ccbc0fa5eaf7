from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from newvisions.models.base import Base, TimestampMixin


class PerformStatus(StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Perform(TimestampMixin, Base):
    """One perform: the spectator's choice, the note, the memo, and how it went.

    `idempotency_key` (per user) lets a phone on a bad network retry without a second charge
    or a second clone; `request_hash` tells a retry from a different request under the same key.
    """

    __tablename__ = "performs"
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), default=None)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[PerformStatus] = mapped_column(String(16), default=PerformStatus.running)
    routine: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str | None] = mapped_column(String(400), default=None)
    audio_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("generated_audio.id", ondelete="SET NULL"), default=None
    )
    # The response as first sent (minus short-lived links), replayed for an idempotent retry.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
