"""All SQL about activation codes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.database import affected_rows
from newvisions.models import ActivationCode, PasswordResetCode


class CodeStatus(StrEnum):
    unused = "unused"  # can still be redeemed
    used = "used"
    revoked = "revoked"
    expired = "expired"  # never used and past its expiry date


def code_filters(
    now: datetime, *, status: CodeStatus | None = None, batch: str | None = None
) -> list[ColumnElement[bool]]:
    """WHERE clauses for listing codes by status and batch."""
    filters: list[ColumnElement[bool]] = []
    if batch is not None:
        filters.append(ActivationCode.batch == batch)
    not_expired = ActivationCode.expires_at.is_(None) | (ActivationCode.expires_at > now)
    if status is CodeStatus.unused:
        filters += [
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
            not_expired,
        ]
    elif status is CodeStatus.used:
        filters.append(ActivationCode.used_at.is_not(None))
    elif status is CodeStatus.revoked:
        filters.append(ActivationCode.revoked_at.is_not(None))
    elif status is CodeStatus.expired:
        filters += [
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
            ActivationCode.expires_at <= now,
        ]
    return filters


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


class ResetCodeRepository:
    """One-time password-reset codes issued by an admin (stored as hashes)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace_for_user(self, reset_code: PasswordResetCode) -> None:
        """Store a new code; the user's earlier unused codes stop working."""
        await self.session.execute(
            delete(PasswordResetCode).where(
                PasswordResetCode.user_id == reset_code.user_id,
                PasswordResetCode.used_at.is_(None),
            )
        )
        self.session.add(reset_code)
        await self.session.flush()

    async def use(self, user_id: uuid.UUID, code_hash: str, now: datetime) -> bool:
        """Mark the user's live code with this hash used; True exactly once."""
        result = await self.session.execute(
            update(PasswordResetCode)
            .where(
                PasswordResetCode.user_id == user_id,
                PasswordResetCode.code_hash == code_hash,
                PasswordResetCode.used_at.is_(None),
                PasswordResetCode.expires_at > now,
            )
            .values(used_at=now)
        )
        return affected_rows(result) == 1
