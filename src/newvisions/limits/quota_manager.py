"""The reserve → commit/refund workflow a perform runs around its slow work.

`QuotaManager` runs each step in its own short transaction, because a perform's reservation
must be visible to the user's other performs (and to the sweeper) while the slow work runs.
The steps themselves are the flush-only functions in `limits.service`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.config.settings import Settings
from newvisions.limits import service
from newvisions.limits.accounting import billed_chars
from newvisions.limits.schemas import UsageSummary

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class Reservation:
    """A held amount of characters for one perform."""

    entry_id: uuid.UUID
    user_id: uuid.UUID
    reserved: int
    settled: bool = field(default=False)


class QuotaManager:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings):
        self._sessionmaker = sessionmaker
        self._settings = settings

    def billed(self, text: str | int, model: str) -> int:
        """What speaking `text` (or that many characters) with `model` costs."""
        return billed_chars(text, self._settings.cost_factor(model))

    async def reserve(
        self, user_id: uuid.UUID, chars: int, *, request_id: str, model: str
    ) -> Reservation:
        """Hold `chars` billed characters, or raise QuotaExceeded (nothing is held then)."""
        async with self._sessionmaker.begin() as session:
            entry = await service.reserve(
                session, self._settings, user_id, chars, request_id=request_id, model=model
            )
        return Reservation(entry_id=entry.id, user_id=user_id, reserved=entry.reserved)

    async def commit(self, reservation: Reservation, charged: int) -> UsageSummary:
        """Charge what the provider billed (at most the reservation) and release the rest."""
        async with self.committing(reservation, charged) as (_session, summary):
            pass
        return summary

    @asynccontextmanager
    async def committing(
        self, reservation: Reservation, charged: int
    ) -> AsyncIterator[tuple[AsyncSession, UsageSummary]]:
        """`commit`, in one transaction with the caller's own writes (the block's session):
        the charge and what it paid for are stored together or not at all."""
        async with self._sessionmaker.begin() as session:
            await service.commit(session, reservation.entry_id, charged)
            yield session, await service.summary(session, self._settings, reservation.user_id)
        reservation.settled = True

    async def refund(self, reservation: Reservation) -> None:
        """Release the whole reservation; nothing is charged."""
        async with self._sessionmaker.begin() as session:
            await service.refund(session, reservation.entry_id)
        reservation.settled = True

    @asynccontextmanager
    async def hold(
        self, user_id: uuid.UUID, chars: int, *, request_id: str, model: str
    ) -> AsyncIterator[Reservation]:
        """`async with manager.hold(...) as r:` — refunds on any error and when the block
        ends without `commit(r, actual)`, so a failed perform never costs anything."""
        reservation = await self.reserve(user_id, chars, request_id=request_id, model=model)
        try:
            yield reservation
        except BaseException:
            if not reservation.settled:
                await self._refund_quietly(reservation)
            raise
        if not reservation.settled:
            await self._refund_quietly(reservation)

    async def _refund_quietly(self, reservation: Reservation) -> None:
        try:
            # Shielded: a cancelled perform (client gone) must still give its characters back.
            with anyio.CancelScope(shield=True):
                await self.refund(reservation)
        except Exception:  # the sweeper releases it later; the original error matters more
            log.warning("quota.refund_failed", entry_id=str(reservation.entry_id), exc_info=True)
