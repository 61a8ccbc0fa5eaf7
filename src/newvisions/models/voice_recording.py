from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from newvisions.models.base import Base, utcnow


class AnalysisStatus(StrEnum):
    pending = "pending"
    ready = "ready"
    failed = "failed"


class VoiceRecording(Base):
    """The performer's one current voice recording (biometric data: never served back).

    The audio itself is a private file under NV_DATA_DIR; this row names it. The row goes
    with the account (ON DELETE CASCADE); the file sweeper removes files no row names.
    """

    __tablename__ = "voice_recordings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # Path relative to the recordings directory, e.g. "<user hex>/<id hex>.flac".
    file_name: Mapped[str] = mapped_column(String(160))
    mime_type: Mapped[str] = mapped_column(String(32))
    sample_rate: Mapped[int]
    stored_bytes: Mapped[int] = mapped_column(BigInteger)
    # sha256 of the bytes the client uploaded: an identical upload is recognised and skipped.
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_format: Mapped[str] = mapped_column(String(16))
    source_codec: Mapped[str] = mapped_column(String(32))
    source_bytes: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float]
    quality: Mapped[dict[str, Any]] = mapped_column(JSON)
    analysis_status: Mapped[AnalysisStatus] = mapped_column(
        String(16), default=AnalysisStatus.pending
    )
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    analysis_error: Mapped[str | None] = mapped_column(String(200), default=None)
    analysis_started_at: Mapped[datetime | None] = mapped_column(default=None)
    analysis_finished_at: Mapped[datetime | None] = mapped_column(default=None)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
