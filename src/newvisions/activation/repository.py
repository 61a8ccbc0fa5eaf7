"""All SQL about activation codes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.database import affected_rows
from newvisions.models import ActivationCode


class ActivationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, codes: Sequence[ActivationCode]) -> None:
        self.session.add_all(codes)
        await self.session.flush()

    async def existing(self, candidates: Sequence[str]) -> set[str]:
        rows = await self.session.scalars(
            select(ActivationCode.code).where(ActivationCode.code.in_(candidates))
        )
        return set(rows)

    async def get(self, code: str) -> ActivationCode | None:
        return (
            await self.session.execute(select(ActivationCode).where(ActivationCode.code == code))
        ).scalar_one_or_none()

    async def redeem(self, code: str, user_id: uuid.UUID, now: datetime) -> bool:
        """Mark the code used by `user_id` in one conditional UPDATE.

        Exactly one of any number of concurrent callers sees True: the WHERE clause is
        re-checked under the row lock, so the losers update nothing.
        """
        result = await self.session.execute(
            update(ActivationCode)
            .where(
                ActivationCode.code == code,
                ActivationCode.used_at.is_(None),
                ActivationCode.revoked_at.is_(None),
                (ActivationCode.expires_at.is_(None)) | (ActivationCode.expires_at > now),
            )
            .values(used_at=now, used_by_user_id=user_id)
        )
        return affected_rows(result) == 1

    async def code_used_by(self, user_id: uuid.UUID) -> ActivationCode | None:
        return (
            await self.session.execute(
                select(ActivationCode).where(ActivationCode.used_by_user_id == user_id)
            )
        ).scalar_one_or_none()

    async def revoke(self, code: str, now: datetime) -> bool:
        result = await self.session.execute(
            update(ActivationCode)
            .where(ActivationCode.code == code, ActivationCode.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return affected_rows(result) == 1

    async def page(
        self, filters: Sequence[ColumnElement[bool]], *, offset: int, limit: int
    ) -> tuple[Sequence[ActivationCode], int]:
        total = await self.session.scalar(
            select(func.count()).select_from(ActivationCode).where(*filters)
        )
        rows = await self.session.scalars(
            select(ActivationCode)
            .where(*filters)
            .order_by(ActivationCode.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), int(total or 0)
