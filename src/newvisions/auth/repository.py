"""All SQL about sessions and refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.database import affected_rows
from newvisions.models import AuthSession, RefreshToken, User


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_session(self, auth_session: AuthSession, token_hash: str) -> None:
        self.session.add(auth_session)
        await self.session.flush()
        self.session.add(RefreshToken(session_id=auth_session.id, token_hash=token_hash))
        await self.session.flush()

    async def session_with_user(
        self, session_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[AuthSession, User] | None:
        row = (
            await self.session.execute(
                select(AuthSession, User)
                .join(User, User.id == AuthSession.user_id)
                .where(AuthSession.id == session_id, AuthSession.user_id == user_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None:
        return (
            await self.session.execute(
                select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
            )
        ).scalar_one_or_none()

    async def mark_rotated(self, token_id: int, now: datetime) -> bool:
        """Rotate exactly once: False when a concurrent request rotated it first."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        return affected_rows(result) == 1

    async def add_refresh_token(self, session_id: uuid.UUID, token_hash: str) -> None:
        self.session.add(RefreshToken(session_id=session_id, token_hash=token_hash))
        await self.session.flush()

    async def get_session(self, session_id: uuid.UUID) -> AuthSession | None:
        return await self.session.get(AuthSession, session_id)

    async def active_sessions(self, user_id: uuid.UUID, now: datetime) -> Sequence[AuthSession]:
        return (
            await self.session.scalars(
                select(AuthSession)
                .where(
                    AuthSession.user_id == user_id,
                    AuthSession.revoked_at.is_(None),
                    AuthSession.expires_at > now,
                )
                .order_by(AuthSession.created_at, AuthSession.id)
            )
        ).all()

    async def revoke_sessions(
        self,
        user_id: uuid.UUID,
        now: datetime,
        reason: str,
        *,
        only: uuid.UUID | None = None,
        keep: uuid.UUID | None = None,
    ) -> int:
        statement = (
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        if only is not None:
            statement = statement.where(AuthSession.id == only)
        if keep is not None:
            statement = statement.where(AuthSession.id != keep)
        result = await self.session.execute(statement)
        return affected_rows(result)

    async def touch_session(self, session_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession).where(AuthSession.id == session_id).values(last_used_at=now)
        )
