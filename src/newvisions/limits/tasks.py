"""Releases quota reservations of performs that never finished (a crash, a killed worker)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.limits import service

log = structlog.get_logger(__name__)


async def release_stale_reservations(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker.begin() as session:
        released = await service.release_stale(session)
    if released:
        log.info("quota.stale_released", count=released)
    return released
