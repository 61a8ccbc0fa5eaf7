"""A perform's heartbeat stops when the perform ends, even if the cancellation meant to stop it
is swallowed: redis-py's asyncio client drops a cancellation that arrives in the middle of a
command, and the perform then waited for its heartbeat forever (found by the multi-worker
proof: one perform of 120 never answered, its heartbeat logging `lease_lost` every 10 s)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from newvisions.voice_cloning.coordination import CloneCoordinator, InProcessCoordinator
from newvisions.voice_cloning.service import CloneService
from tests.voice_cloning.conftest import CommittedDb, ProviderHarness, load_sample, make_service

EXIT_DEADLINE_S = 5.0


class SwallowsCancellationInRenew(InProcessCoordinator):
    """Renews the way redis-py answers a cancelled command: it returns as if nothing happened."""

    def __init__(self) -> None:
        super().__init__()
        self.renewing = asyncio.Event()

    async def renew(self, lease_id: str, user_id: str, token: str, ttl_s: float) -> bool:
        self.renewing.set()
        with contextlib.suppress(asyncio.CancelledError):  # swallowed
            await asyncio.sleep(0.2)
        return await super().renew(lease_id, user_id, token, ttl_s)


async def _perform(clones: CloneService, user_id: uuid.UUID, inside: asyncio.Event) -> None:
    async with clones.temporary_clone(user_id, f"req-{uuid.uuid4().hex[:6]}", load_sample):
        await inside.wait()


async def _ends_in_time(task: asyncio.Task[None]) -> bool:
    done, _ = await asyncio.wait({task}, timeout=EXIT_DEADLINE_S)
    return task in done


async def test_the_perform_ends_although_its_heartbeat_swallowed_the_cancellation(
    harness: ProviderHarness, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    coordinator = SwallowsCancellationInRenew()
    clones = make_service(harness.provider, coordinator, committed_db, lease_s=0.3)
    leave = asyncio.Event()
    perform = asyncio.create_task(_perform(clones, user_id, leave))
    await asyncio.wait_for(coordinator.renewing.wait(), 10)
    leave.set()  # the block ends while the heartbeat is inside `renew`

    assert await _ends_in_time(perform), "the perform waits for its heartbeat forever"
    perform.result()
    assert await coordinator.live_leases() == set()
    assert await coordinator.try_lock_user(str(user_id), "next", 1.0), "the user stays locked"


@pytest.mark.slow
async def test_heartbeats_stop_when_cancelled_in_the_middle_of_redis_calls(
    harness: ProviderHarness, coordinator: CloneCoordinator, committed_db: CommittedDb
) -> None:
    if not coordinator.shared:
        pytest.skip("about the Redis client: the in-process backend has no I/O to cancel")
    users = await committed_db.make_users(15)
    # A lease of 3 ms: the heartbeat renews every millisecond, so the end of the perform
    # (which cancels it) nearly always lands in the middle of a Redis call.
    clones = make_service(harness.provider, coordinator, committed_db, lease_s=0.003)
    stuck = 0
    for user_id in users:
        leave = asyncio.Event()
        perform = asyncio.create_task(_perform(clones, user_id, leave))
        await asyncio.sleep(0.05)
        leave.set()
        if not await _ends_in_time(perform):
            stuck += 1
    assert stuck == 0, f"{stuck} of {len(users)} performs never ended"
