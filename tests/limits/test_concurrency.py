"""Concurrent performs against one user's quota, with real commits (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.config.settings import Settings
from newvisions.limits.exceptions import QuotaExceeded
from newvisions.limits.quota_manager import QuotaManager, Reservation
from newvisions.models import MonthlyUsage, UsageEntry, UsageStatus
from tests.limits.conftest import make_user


async def _counter(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID
) -> tuple[int, int]:
    async with sessionmaker() as session:
        row = (
            await session.execute(
                select(MonthlyUsage.used, MonthlyUsage.reserved).where(
                    MonthlyUsage.user_id == user_id
                )
            )
        ).one()
    return row.used, row.reserved


async def _ledger_totals(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID
) -> dict[UsageStatus, tuple[int, int, int]]:
    """status → (rows, reserved, charged)."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(
                UsageEntry.status,
                func.count(),
                func.sum(UsageEntry.reserved),
                func.sum(UsageEntry.charged),
            )
            .where(UsageEntry.user_id == user_id)
            .group_by(UsageEntry.status)
        )
        return {UsageStatus(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}


async def _try_reserve(manager: QuotaManager, user_id: uuid.UUID, chars: int) -> Reservation | None:
    try:
        return await manager.reserve(user_id, chars, request_id="race", model="offline")
    except QuotaExceeded:
        return None


async def test_fifty_concurrent_reservations_never_pass_the_limit(
    committed_sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    user_id = await make_user(committed_sessionmaker, monthly_char_limit=1000)
    manager = QuotaManager(committed_sessionmaker, settings)
    # Near the limit: 900 already spent this month.
    spent = await manager.reserve(user_id, 900, request_id="earlier", model="offline")
    await manager.commit(spent, 900)

    results = await asyncio.gather(*(_try_reserve(manager, user_id, 7) for _ in range(50)))
    granted = [r for r in results if r is not None]
    assert len(granted) == 100 // 7  # 14 fit into the 100 left, the other 36 are refused
    used, reserved = await _counter(committed_sessionmaker, user_id)
    assert (used, reserved) == (900, 14 * 7)

    # Settle them concurrently while 50 more performs race for what is freed.
    settle = [
        manager.commit(r, 5) if i % 2 == 0 else manager.refund(r) for i, r in enumerate(granted)
    ]
    racing = [_try_reserve(manager, user_id, 3) for _ in range(50)]
    outcome = await asyncio.gather(*settle, *racing)
    second_round = [r for r in outcome[len(settle) :] if isinstance(r, Reservation)]

    used, reserved = await _counter(committed_sessionmaker, user_id)
    assert used + reserved <= 1000
    assert used == 900 + 7 * 5
    assert reserved == 3 * len(second_round)
    # Every number on the counter is explained by the ledger.
    totals = await _ledger_totals(committed_sessionmaker, user_id)
    assert totals[UsageStatus.committed][2] == used
    assert totals[UsageStatus.reserved][1] == reserved
    assert totals[UsageStatus.refunded] == (7, 49, 0)
    # After all that, the whole remainder can still be used exactly.
    remaining = 1000 - used - reserved
    assert await _try_reserve(manager, user_id, remaining + 1) is None
    assert await _try_reserve(manager, user_id, remaining) is not None


async def test_hold_refunds_when_the_perform_fails(
    committed_sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    user_id = await make_user(committed_sessionmaker, monthly_char_limit=100)
    manager = QuotaManager(committed_sessionmaker, settings)

    with pytest.raises(RuntimeError, match="speech failed"):
        async with manager.hold(user_id, 80, request_id="r1", model="offline"):
            assert await _counter(committed_sessionmaker, user_id) == (0, 80)
            raise RuntimeError("speech failed")
    assert await _counter(committed_sessionmaker, user_id) == (0, 0)

    async with manager.hold(user_id, 80, request_id="r2", model="offline") as reservation:
        summary = await manager.commit(reservation, manager.billed("x" * 101, "eleven_flash_v2_5"))
    assert summary.used == 51
    assert await _counter(committed_sessionmaker, user_id) == (51, 0)

    async with manager.hold(user_id, 10, request_id="r3", model="offline"):
        pass  # ended without commit: nothing is charged
    assert await _counter(committed_sessionmaker, user_id) == (51, 0)
    totals = await _ledger_totals(committed_sessionmaker, user_id)
    assert totals[UsageStatus.refunded] == (2, 90, 0)
    assert totals[UsageStatus.committed] == (1, 80, 51)


async def test_a_cancelled_perform_still_refunds(
    committed_sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    user_id = await make_user(committed_sessionmaker, monthly_char_limit=100)
    manager = QuotaManager(committed_sessionmaker, settings)
    started = asyncio.Event()

    async def perform() -> None:
        async with manager.hold(user_id, 60, request_id="gone", model="offline"):
            started.set()
            await asyncio.sleep(30)  # the client hangs up meanwhile

    task = asyncio.create_task(perform())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _counter(committed_sessionmaker, user_id) == (0, 0)
