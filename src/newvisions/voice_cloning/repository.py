"""All SQL of the clone ledger (and of the live-clone mirror on users)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.database import affected_rows
from newvisions.models import CloneStatus, User, VoiceClone
from newvisions.models.base import utcnow
from newvisions.models.voice_clone import UNFINISHED_STATUSES

MAX_ERROR_LENGTH = 500


class CloneLedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, clone: VoiceClone) -> None:
        self.session.add(clone)
        await self.session.flush()

    async def for_user(self, user_id: uuid.UUID) -> Sequence[VoiceClone]:
        result = await self.session.execute(
            select(VoiceClone).where(VoiceClone.user_id == user_id).order_by(VoiceClone.created_at)
        )
        return result.scalars().all()

    async def unfinished(self) -> Sequence[VoiceClone]:
        result = await self.session.execute(
            select(VoiceClone)
            .where(VoiceClone.status.in_(UNFINISHED_STATUSES))
            .order_by(VoiceClone.created_at)
        )
        return result.scalars().all()

    async def existing(self, clone_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not clone_ids:
            return set()
        result = await self.session.scalars(
            select(VoiceClone.id).where(VoiceClone.id.in_(list(clone_ids)))
        )
        return set(result.all())

    async def mark_active(self, clone_id: uuid.UUID, user_id: uuid.UUID, voice_id: str) -> None:
        """The voice exists: record its id on the row and mirror it on the user."""
        await self.session.execute(
            update(VoiceClone)
            .where(VoiceClone.id == clone_id)
            .values(status=CloneStatus.active, provider_voice_id=voice_id, active_at=utcnow())
        )
        await self.session.execute(
            update(User).where(User.id == user_id).values(voice_clone_id=voice_id)
        )

    async def mark_deleting(self, clone_id: uuid.UUID) -> None:
        await self._transition(clone_id, status=CloneStatus.deleting)

    async def mark_deleted(
        self, clone_id: uuid.UUID, voice_ids: Collection[str], *, error: str | None = None
    ) -> bool:
        """Close the row (once) and clear the users' mirror of its voices."""
        values: dict[str, object] = {"status": CloneStatus.deleted, "deleted_at": utcnow()}
        if error is not None:
            values["last_error"] = error[:MAX_ERROR_LENGTH]
        closed = await self._transition(clone_id, **values)
        await self.clear_user_voice(voice_ids)
        return closed

    async def mark_delete_failed(self, clone_id: uuid.UUID, error: str) -> None:
        await self.session.execute(
            update(VoiceClone)
            .where(VoiceClone.id == clone_id, VoiceClone.status.in_(UNFINISHED_STATUSES))
            .values(
                status=CloneStatus.delete_failed,
                attempts=VoiceClone.attempts + 1,
                last_error=error[:MAX_ERROR_LENGTH],
            )
        )

    async def count_attempt(self, clone_id: uuid.UUID) -> None:
        await self.session.execute(
            update(VoiceClone)
            .where(VoiceClone.id == clone_id)
            .values(attempts=VoiceClone.attempts + 1)
        )

    async def clear_user_voice(self, voice_ids: Collection[str]) -> int:
        if not voice_ids:
            return 0
        result = await self.session.execute(
            update(User).where(User.voice_clone_id.in_(list(voice_ids))).values(voice_clone_id=None)
        )
        return affected_rows(result)

    async def clear_stale_user_voices(self) -> int:
        """Clear `users.voice_clone_id` values that no unfinished ledger row explains."""
        explained = select(VoiceClone.provider_voice_id).where(
            VoiceClone.status.in_(UNFINISHED_STATUSES),
            VoiceClone.provider_voice_id.is_not(None),
        )
        result = await self.session.execute(
            update(User)
            .where(User.voice_clone_id.is_not(None), User.voice_clone_id.not_in(explained))
            .values(voice_clone_id=None)
        )
        return affected_rows(result)

    async def _transition(self, clone_id: uuid.UUID, **values: object) -> bool:
        """Update a row that is still unfinished; a closed row never comes back."""
        result = await self.session.execute(
            update(VoiceClone)
            .where(VoiceClone.id == clone_id, VoiceClone.status.in_(UNFINISHED_STATUSES))
            .values(**values)
        )
        return affected_rows(result) > 0
