"""Performs interrupted by a crash: a running perform holds a lease; one without it is dead.

A worker killed mid-perform (SIGKILL, OOM, power) leaves its `performs` row `running` and its
quota reservation `reserved`. The row would answer every retry with the same
Idempotency-Key `409 perform_in_progress` forever, and the reservation would hold the user's
characters until its deadline. So each perform holds a lease in the clone coordinator (memory
of this process, or Redis shared by every worker), renewed while it runs and taken **before**
its row is written; `recover_interrupted` reads the running rows first, then the leases, and
fails every row without one (`perform_interrupted`), releasing what its request reserved.

It runs at start-up and then periodically. With one worker and no Redis the new process sees
every lease, so everything a previous run left is recovered at once; with Redis, a dead
worker's leases expire after `NV_VOICE_SLOT_LEASE_S` and the next pass recovers its performs.
When the leases cannot be trusted (several workers without Redis) only rows older than the
quota reservation deadline are recovered.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.limits import service as limits_service
from newvisions.models import utcnow
from newvisions.perform.repository import PerformRepository
from newvisions.voice_cloning.coordination import CloneCoordinator

log = structlog.get_logger(__name__)

INTERRUPTED = "perform_interrupted"


def lease_name(perform_id: uuid.UUID) -> str:
    return f"perform:{perform_id}"


class PerformLeases:
    """The sign of life of the performs running in this process."""

    def __init__(self, coordinator: CloneCoordinator, ttl_s: float) -> None:
        self._coordinator = coordinator
        self._ttl_s = ttl_s

    async def take(self, perform_id: uuid.UUID) -> None:
        """Hold the lease; a coordinator that cannot be reached only costs the protection."""
        try:
            await self._coordinator.hold_lease(lease_name(perform_id), self._ttl_s)
        except Exception:
            log.warning("perform.lease_failed", perform_id=str(perform_id), exc_info=True)

    async def drop(self, perform_id: uuid.UUID) -> None:
        try:
            await self._coordinator.drop_lease(lease_name(perform_id))
        except Exception:  # it expires on its own
            log.warning("perform.lease_drop_failed", perform_id=str(perform_id), exc_info=True)

    @contextlib.asynccontextmanager
    async def kept(self, perform_id: uuid.UUID) -> AsyncIterator[None]:
        """Renew the (already taken) lease while the block runs; drop it at the end."""
        renewing = asyncio.create_task(self._renew(perform_id))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            with anyio.CancelScope(shield=True):
                await self.drop(perform_id)

    async def _renew(self, perform_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(self._ttl_s / 3)
            await self.take(perform_id)


async def recover_interrupted(
    sessionmaker: async_sessionmaker[AsyncSession],
    coordinator: CloneCoordinator,
    *,
    trust_leases: bool,
    stale_after_s: float,
) -> int:
    """Fail the running performs whose process is gone; returns how many."""
    async with sessionmaker() as session:
        running = list(await PerformRepository(session).running())
    if not running:
        return 0
    # Rows first, leases second: a perform takes its lease before writing its row.
    live = await coordinator.live_of([lease_name(p.id) for p in running])
    now = utcnow()
    stale_before = now - timedelta(seconds=stale_after_s)
    alive_requests = {(p.user_id, p.request_id) for p in running if lease_name(p.id) in live}
    recovered = 0
    for perform in running:
        if lease_name(perform.id) in live:
            continue
        if not trust_leases and perform.created_at > stale_before:
            continue
        async with sessionmaker.begin() as session:
            if not await PerformRepository(session).mark_interrupted(
                perform.id, perform.request_id, now=now, error_code=INTERRUPTED
            ):
                continue  # it finished, or a retry took it over, since it was read
            released = 0
            if (perform.user_id, perform.request_id) not in alive_requests:
                released = await limits_service.release_for_request(
                    session, perform.user_id, perform.request_id, now=now
                )
        recovered += 1
        log.warning(
            "perform.interrupted",
            perform_id=str(perform.id),
            user_id=str(perform.user_id),
            request_id=perform.request_id,
            reservations_released=released,
        )
    return recovered
