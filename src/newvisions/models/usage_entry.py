from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from newvisions.models.base import Base, TimestampMixin


class UsageStatus(StrEnum):
    reserved = "reserved"  # held while the perform runs
    committed = "committed"  # charged
    refunded = "refunded"  # the perform failed; nothing charged
    expired = "expired"  # never settled (a crash); released by the sweeper


class UsageEntry(TimestampMixin, Base):
    """The usage ledger: one row per perform, so every number on the counter is explained."""

    __tablename__ = "usage_ledger"
    __table_args__ = (
        Index("ix_usage_ledger_user_id_created_at", "user_id", "created_at"),
        Index("ix_usage_ledger_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[date]
    model: Mapped[str] = mapped_column(String(64))
    reserved: Mapped[int]
    charged: Mapped[int] = mapped_column(default=0)
    status: Mapped[UsageStatus] = mapped_column(String(16), default=UsageStatus.reserved)
    # After this, a reservation still `reserved` is released as `expired`.
    expires_at: Mapped[datetime]
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
