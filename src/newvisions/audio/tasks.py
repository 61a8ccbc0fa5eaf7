"""The periodic purge of expired memos."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.audio import service
from newvisions.config.settings import Settings


async def purge_expired_audio(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> service.PurgeReport:
    async with sessionmaker.begin() as session:
        return await service.purge_expired(session, settings)
