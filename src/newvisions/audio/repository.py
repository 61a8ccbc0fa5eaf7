"""All SQL about generated audio; every lookup for a user is scoped by user_id."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.database import affected_rows
from newvisions.models import GeneratedAudio, User


class AudioRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, audio: GeneratedAudio) -> None:
        self.session.add(audio)
        await self.session.flush()

    async def owned(self, user_id: uuid.UUID, audio_id: uuid.UUID) -> GeneratedAudio | None:
        return (
            await self.session.execute(
                select(GeneratedAudio).where(
                    GeneratedAudio.id == audio_id, GeneratedAudio.user_id == user_id
                )
            )
        ).scalar_one_or_none()

    async def delete_owned(self, user_id: uuid.UUID, audio_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(GeneratedAudio).where(
                GeneratedAudio.id == audio_id, GeneratedAudio.user_id == user_id
            )
        )
        return affected_rows(result) == 1

    async def expired(self, now: datetime, limit: int) -> Sequence[GeneratedAudio]:
        return (
            await self.session.scalars(
                select(GeneratedAudio)
                .where(GeneratedAudio.expires_at <= now)
                .order_by(GeneratedAudio.expires_at)
                .limit(limit)
            )
        ).all()

    async def delete_ids(self, ids: Collection[uuid.UUID]) -> int:
        if not ids:
            return 0
        result = await self.session.execute(
            delete(GeneratedAudio).where(GeneratedAudio.id.in_(ids))
        )
        return affected_rows(result)

    async def existing_ids(self, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        found = await self.session.scalars(
            select(GeneratedAudio.id).where(GeneratedAudio.id.in_(ids))
        )
        return set(found)

    async def existing_users(self, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these owners still have an account (for folders left by deleted ones)."""
        if not user_ids:
            return set()
        return set(await self.session.scalars(select(User.id).where(User.id.in_(user_ids))))
