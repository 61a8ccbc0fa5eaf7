"""All SQL about notes: each user's last note."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.models import LastNote, utcnow


class LastNoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> str | None:
        return await self.session.scalar(select(LastNote.text).where(LastNote.user_id == user_id))

    async def remember(self, user_id: uuid.UUID, text: str) -> None:
        """Insert or overwrite the user's last note in one statement (no read-then-write race)."""
        values = {"user_id": user_id, "text": text, "updated_at": utcnow()}
        update = {"text": text, "updated_at": values["updated_at"]}
        if self.session.get_bind().dialect.name == "postgresql":
            pg = postgresql_insert(LastNote).values(values)
            await self.session.execute(
                pg.on_conflict_do_update(index_elements=[LastNote.user_id], set_=update)
            )
        else:
            lite = sqlite_insert(LastNote).values(values)
            await self.session.execute(
                lite.on_conflict_do_update(index_elements=[LastNote.user_id], set_=update)
            )
