"""All SQL about quotas: the monthly counters and the usage ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Executable, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.database import affected_rows
from newvisions.models import MonthlyUsage, UsageEntry, UsageStatus, User, utcnow


class QuotaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user_limit_override(self, user_id: uuid.UUID) -> tuple[bool, int | None]:
        """(user exists, the user's own monthly limit or None)."""
        row = (
            await self.session.execute(
                select(User.id, User.monthly_char_limit).where(User.id == user_id)
            )
        ).first()
        if row is None:
            return False, None
        return True, row.monthly_char_limit

    async def ensure_counter(self, user_id: uuid.UUID, period: date) -> None:
        """Create the month's counter at zero unless it exists (safe under concurrency)."""
        values = {"user_id": user_id, "period": period, "used": 0, "reserved": 0}
        statement: Executable
        if self.session.get_bind().dialect.name == "postgresql":
            statement = pg_insert(MonthlyUsage).values(values).on_conflict_do_nothing()
        else:
            statement = sqlite_insert(MonthlyUsage).values(values).on_conflict_do_nothing()
        await self.session.execute(statement)

    async def try_reserve(self, user_id: uuid.UUID, period: date, chars: int, limit: int) -> bool:
        """THE quota check: one conditional UPDATE, so no interleaving can pass the limit.

        PostgreSQL re-evaluates the WHERE clause on the locked, latest row version when two
        updates race; SQLite runs writers one at a time (BEGIN IMMEDIATE).
        """
        result = await self.session.execute(
            update(MonthlyUsage)
            .where(
                MonthlyUsage.user_id == user_id,
                MonthlyUsage.period == period,
                MonthlyUsage.used + MonthlyUsage.reserved + chars <= limit,
            )
            .values(reserved=MonthlyUsage.reserved + chars, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result) == 1

    async def release(self, user_id: uuid.UUID, period: date, reserved: int, charged: int) -> None:
        """Turn a reservation into `charged` used characters (0 for a refund)."""
        await self.session.execute(
            update(MonthlyUsage)
            .where(MonthlyUsage.user_id == user_id, MonthlyUsage.period == period)
            .values(
                reserved=MonthlyUsage.reserved - reserved,
                used=MonthlyUsage.used + charged,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )

    async def counter(self, user_id: uuid.UUID, period: date) -> tuple[int, int]:
        """(used, reserved) of a month; zeros when nothing happened yet."""
        row = (
            await self.session.execute(
                select(MonthlyUsage.used, MonthlyUsage.reserved).where(
                    MonthlyUsage.user_id == user_id, MonthlyUsage.period == period
                )
            )
        ).first()
        return (row.used, row.reserved) if row is not None else (0, 0)

    async def add_entry(self, entry: UsageEntry) -> None:
        self.session.add(entry)
        await self.session.flush()

    async def entry(self, entry_id: uuid.UUID) -> UsageEntry | None:
        return await self.session.get(UsageEntry, entry_id, populate_existing=True)

    async def settle_entry(
        self,
        entry_id: uuid.UUID,
        *,
        status: UsageStatus,
        charged: int,
        now: datetime,
    ) -> bool:
        """Move a reservation out of `reserved`; False if something else settled it first.

        The status guard makes commit, refund and expiry mutually exclusive: whichever
        flips the row first is the only one that touches the counter.
        """
        result = await self.session.execute(
            update(UsageEntry)
            .where(UsageEntry.id == entry_id, UsageEntry.status == UsageStatus.reserved)
            .values(status=status, charged=charged, settled_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result) == 1

    async def stale_entry_ids(
        self, now: datetime, *, user_id: uuid.UUID | None = None, limit: int = 500
    ) -> Sequence[uuid.UUID]:
        query = select(UsageEntry.id).where(
            UsageEntry.status == UsageStatus.reserved, UsageEntry.expires_at <= now
        )
        if user_id is not None:
            query = query.where(UsageEntry.user_id == user_id)
        return (await self.session.scalars(query.limit(limit))).all()

    async def reserved_entry_ids(self, user_id: uuid.UUID, request_id: str) -> Sequence[uuid.UUID]:
        query = select(UsageEntry.id).where(
            UsageEntry.user_id == user_id,
            UsageEntry.request_id == request_id,
            UsageEntry.status == UsageStatus.reserved,
        )
        return (await self.session.scalars(query)).all()

    async def recent_entries(self, user_id: uuid.UUID, limit: int) -> Sequence[UsageEntry]:
        return (
            await self.session.scalars(
                select(UsageEntry)
                .where(UsageEntry.user_id == user_id)
                .order_by(UsageEntry.created_at.desc(), UsageEntry.id)
                .limit(limit)
            )
        ).all()
