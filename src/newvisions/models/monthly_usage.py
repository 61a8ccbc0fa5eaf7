from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from newvisions.models.base import Base, utcnow


class MonthlyUsage(Base):
    """One user's character counter for one calendar month (UTC).

    The month is part of the key, so a new month starts at zero without any job. `reserved`
    holds what in-flight performs may still spend; a reservation is granted by one conditional
    UPDATE (`used + reserved + n <= limit`), which is what keeps concurrent performs under the
    limit.
    """

    __tablename__ = "monthly_usage"
    __table_args__ = (
        CheckConstraint("used >= 0", name="used_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The first day of the month the counter belongs to.
    period: Mapped[date] = mapped_column(primary_key=True)
    used: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
