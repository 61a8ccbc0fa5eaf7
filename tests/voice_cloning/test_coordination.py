"""One contract, two backends: every test runs on the in-process and on the Redis coordinator."""

from __future__ import annotations

import asyncio
import time

from newvisions.voice_cloning.coordination import CloneCoordinator


async def test_user_lock_is_exclusive_and_only_its_owner_unlocks(
    coordinator: CloneCoordinator,
) -> None:
    assert await coordinator.try_lock_user("u1", "a", 10)
    assert not await coordinator.try_lock_user("u1", "b", 10)
    assert await coordinator.try_lock_user("u1", "a", 10), "the holder may take it again"
    assert await coordinator.try_lock_user("u2", "b", 10), "other users are independent"

    await coordinator.unlock_user("u1", "b")  # not the owner: nothing happens
    assert not await coordinator.try_lock_user("u1", "b", 10)
    await coordinator.unlock_user("u1", "a")
    assert await coordinator.try_lock_user("u1", "b", 10)


async def test_user_lock_expires(coordinator: CloneCoordinator) -> None:
    assert await coordinator.try_lock_user("u1", "a", 0.15)
    assert not await coordinator.try_lock_user("u1", "b", 10)
    await asyncio.sleep(0.25)
    assert await coordinator.try_lock_user("u1", "b", 10)


async def test_slots_respect_capacity_and_come_back_on_release(
    coordinator: CloneCoordinator,
) -> None:
    assert await coordinator.try_acquire_slot("l1", 2, 10)
    assert await coordinator.try_acquire_slot("l2", 2, 10)
    assert not await coordinator.try_acquire_slot("l3", 2, 10)
    assert await coordinator.try_acquire_slot("l1", 2, 10), "a held lease is re-acquirable"
    assert await coordinator.live_leases() == {"l1", "l2"}

    await coordinator.release_slot("l1")
    assert await coordinator.live_leases() == {"l2"}
    assert await coordinator.try_acquire_slot("l3", 2, 10)
    assert not await coordinator.try_acquire_slot("l4", 2, 10)
    assert not await coordinator.try_acquire_slot("l5", 0, 10), "capacity 0 admits nobody"


async def test_slot_leases_expire_so_a_dead_worker_frees_its_slot(
    coordinator: CloneCoordinator,
) -> None:
    assert await coordinator.try_acquire_slot("dead", 1, 0.15)
    assert not await coordinator.try_acquire_slot("alive", 1, 10)
    await asyncio.sleep(0.25)
    assert await coordinator.live_leases() == set()
    assert await coordinator.try_acquire_slot("alive", 1, 10)


async def test_renew_extends_both_the_lease_and_the_user_lock(
    coordinator: CloneCoordinator,
) -> None:
    assert await coordinator.try_lock_user("u1", "tok", 0.3)
    assert await coordinator.try_acquire_slot("l1", 1, 0.3)
    await asyncio.sleep(0.15)
    assert await coordinator.renew("l1", "u1", "tok", 1.0)
    await asyncio.sleep(0.3)  # past the first expiry
    assert await coordinator.live_leases() == {"l1"}
    assert not await coordinator.try_lock_user("u1", "other", 10)


async def test_renew_fails_once_the_lease_or_the_lock_is_lost(
    coordinator: CloneCoordinator,
) -> None:
    assert await coordinator.try_lock_user("u1", "tok", 10)
    assert await coordinator.try_acquire_slot("l1", 1, 0.1)
    await asyncio.sleep(0.2)
    assert not await coordinator.renew("l1", "u1", "tok", 1.0)

    assert await coordinator.try_acquire_slot("l2", 1, 10)
    assert not await coordinator.renew("l2", "u1", "wrong-token", 1.0)


async def test_leadership_has_one_holder_until_it_expires(coordinator: CloneCoordinator) -> None:
    assert await coordinator.try_lead("sweeper", "w1", 0.2)
    assert not await coordinator.try_lead("sweeper", "w2", 0.2)
    assert await coordinator.try_lead("sweeper", "w1", 0.2), "the leader renews"
    assert await coordinator.try_lead("other-role", "w2", 0.2)
    await asyncio.sleep(0.3)
    assert await coordinator.try_lead("sweeper", "w2", 0.2)
    assert not await coordinator.try_lead("sweeper", "w1", 0.2)


async def test_wait_for_release_is_bounded(coordinator: CloneCoordinator) -> None:
    started = time.monotonic()
    await coordinator.wait_for_release(0.05)
    assert time.monotonic() - started < 1.0


async def test_concurrent_holders_never_exceed_capacity(coordinator: CloneCoordinator) -> None:
    capacity, holders, peak = 3, 0, 0

    async def worker(n: int) -> None:
        nonlocal holders, peak
        lease = f"w{n}"
        while not await coordinator.try_acquire_slot(lease, capacity, 10):
            await coordinator.wait_for_release(0.2)
        holders += 1
        peak = max(peak, holders)
        await asyncio.sleep(0.01)
        holders -= 1
        await coordinator.release_slot(lease)

    await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(24))), timeout=30)
    assert peak == capacity
    assert await coordinator.live_leases() == set()


async def test_named_leases_are_held_renewed_dropped_and_expire(
    coordinator: CloneCoordinator,
) -> None:
    assert await coordinator.live_of([]) == set()
    await coordinator.hold_lease("perform:a", 10)
    await coordinator.hold_lease("perform:b", 0.15)
    assert await coordinator.live_of(["perform:a", "perform:b", "perform:c"]) == {
        "perform:a",
        "perform:b",
    }
    await coordinator.hold_lease("perform:a", 0.15)  # a renewal sets the new lifetime
    await coordinator.drop_lease("perform:b")
    await coordinator.drop_lease("perform:unknown")  # dropping nothing is fine
    assert await coordinator.live_of(["perform:a", "perform:b"]) == {"perform:a"}
    await asyncio.sleep(0.25)
    assert await coordinator.live_of(["perform:a"]) == set(), "a dead holder's lease expires"
    assert await coordinator.live_leases() == set(), "named leases take no voice slot"
