from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from newvisions.models.base import Base, TimestampMixin, utcnow
from newvisions.voice_cloning.providers.base import VOICE_NAME_PREFIX


class CloneStatus(StrEnum):
    creating = "creating"
    active = "active"
    deleting = "deleting"
    deleted = "deleted"
    delete_failed = "delete_failed"


UNFINISHED_STATUSES = (
    CloneStatus.creating,
    CloneStatus.active,
    CloneStatus.deleting,
    CloneStatus.delete_failed,
)


class VoiceClone(TimestampMixin, Base):
    """The clone ledger: one row per temporary provider voice, committed before it exists.

    The provider voice is named after the row (`nv-<id>`), so whatever instant a process dies
    at, either this row or the provider voice's name leads the sweeper to it.
    """

    __tablename__ = "voice_clones"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # SET NULL: the audit trail outlives an account deletion; the row holds no voice data.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    request_id: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    provider_voice_id: Mapped[str | None] = mapped_column(String(128), default=None)
    status: Mapped[CloneStatus] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # provider delete attempts so far
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    active_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def voice_name(self) -> str:
        return voice_name_for(self.id)


def voice_name_for(clone_id: uuid.UUID) -> str:
    return f"{VOICE_NAME_PREFIX}{clone_id}"


def clone_id_from_voice_name(name: str) -> uuid.UUID | None:
    """The ledger id a provider voice name points at, or None for a name we did not make."""
    if not name.startswith(VOICE_NAME_PREFIX):
        return None
    try:
        return uuid.UUID(name[len(VOICE_NAME_PREFIX) :])
    except ValueError:
        return None
