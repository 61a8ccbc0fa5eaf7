"""All SQL about performs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.database import affected_rows
from newvisions.models import GeneratedAudio
from newvisions.models.perform import Perform, PerformStatus


class PerformRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, perform: Perform) -> None:
        self.session.add(perform)
        await self.session.flush()

    async def by_key(self, user_id: uuid.UUID, key: str) -> Perform | None:
        return (
            await self.session.execute(
                select(Perform).where(Perform.user_id == user_id, Perform.idempotency_key == key)
            )
        ).scalar_one_or_none()

    async def restart_failed(self, perform_id: uuid.UUID, request_id: str) -> bool:
        """Take a failed perform back to `running` for a retry; False if someone else did."""
        result = await self.session.execute(
            update(Perform)
            .where(Perform.id == perform_id, Perform.status == PerformStatus.failed)
            .values(status=PerformStatus.running, request_id=request_id, error_code=None)
        )
        return affected_rows(result) == 1

    async def running(self, limit: int = 500) -> Sequence[Perform]:
        return (
            await self.session.scalars(
                select(Perform).where(Perform.status == PerformStatus.running).limit(limit)
            )
        ).all()

    async def mark_interrupted(
        self, perform_id: uuid.UUID, request_id: str, *, now: datetime, error_code: str
    ) -> bool:
        """Fail a perform whose process died; False if it finished or was retried meanwhile
        (a retry of a failed perform gets a new request id)."""
        result = await self.session.execute(
            update(Perform)
            .where(
                Perform.id == perform_id,
                Perform.status == PerformStatus.running,
                Perform.request_id == request_id,
            )
            .values(status=PerformStatus.failed, finished_at=now, error_code=error_code)
        )
        return affected_rows(result) == 1

    async def finish(
        self,
        perform_id: uuid.UUID,
        *,
        status: PerformStatus,
        now: datetime,
        text: str | None = None,
        audio_id: uuid.UUID | None = None,
        result: dict[str, Any] | None = None,
        error_code: str | None = None,
    ) -> None:
        await self.session.execute(
            update(Perform)
            .where(Perform.id == perform_id)
            .values(
                status=status,
                finished_at=now,
                text=text,
                audio_id=audio_id,
                result=result,
                error_code=error_code,
            )
        )

    async def recent_with_audio(
        self, user_id: uuid.UUID, limit: int
    ) -> Sequence[tuple[Perform, GeneratedAudio | None]]:
        rows = await self.session.execute(
            select(Perform, GeneratedAudio)
            .outerjoin(GeneratedAudio, GeneratedAudio.id == Perform.audio_id)
            .where(Perform.user_id == user_id, Perform.status == PerformStatus.succeeded)
            .order_by(Perform.created_at.desc(), Perform.id)
            .limit(limit)
        )
        return [(perform, audio) for perform, audio in rows]

    async def audio(self, user_id: uuid.UUID, audio_id: uuid.UUID) -> GeneratedAudio | None:
        return (
            await self.session.execute(
                select(GeneratedAudio).where(
                    GeneratedAudio.id == audio_id, GeneratedAudio.user_id == user_id
                )
            )
        ).scalar_one_or_none()
