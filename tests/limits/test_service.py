"""Reserve → commit/refund, the ledger, expiry and month rollover (one rolled-back session)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.settings import Settings
from newvisions.limits import service
from newvisions.limits.exceptions import QuotaExceeded, ReservationNotFound
from newvisions.models import UsageStatus, User

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def _user(session: AsyncSession, limit: int | None = None) -> uuid.UUID:
    name = f"q{uuid.uuid4().hex[:10]}"
    user = User(
        username=name,
        username_key=name,
        email=f"{name}@example.com",
        password_hash="x",
        monthly_char_limit=limit,
    )
    session.add(user)
    await session.flush()
    return user.id


async def _reserve(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, chars: int, now: datetime = NOW
) -> uuid.UUID:
    entry = await service.reserve(
        session, settings, user_id, chars, request_id="req", model="offline", now=now
    )
    return entry.id


async def test_reserve_commit_refund_keep_the_counter_and_ledger_in_step(
    session: AsyncSession, settings: Settings
) -> None:
    user_id = await _user(session)
    first = await _reserve(session, settings, user_id, 120)
    second = await _reserve(session, settings, user_id, 100)

    held = await service.summary(session, settings, user_id, now=NOW)
    assert (held.used, held.reserved, held.limit) == (0, 220, 4000)
    assert held.remaining == 4000 - 220

    assert await service.commit(session, first, 95, now=NOW)
    assert await service.refund(session, second, now=NOW)

    after = await service.summary(session, settings, user_id, now=NOW)
    assert (after.used, after.reserved, after.remaining) == (95, 0, 4000 - 95)
    assert after.period_start == datetime(2026, 11, 1, tzinfo=UTC)
    assert after.resets_at == datetime(2026, 12, 1, tzinfo=UTC)

    usage = await service.usage(session, settings, user_id, now=NOW)
    by_id = {entry.id: entry for entry in usage.recent}
    assert by_id[first].status is UsageStatus.committed
    assert (by_id[first].reserved, by_id[first].charged) == (120, 95)
    assert by_id[second].status is UsageStatus.refunded
    assert by_id[second].charged == 0
    assert by_id[first].settled_at is not None


async def test_settling_twice_changes_nothing(session: AsyncSession, settings: Settings) -> None:
    user_id = await _user(session)
    entry_id = await _reserve(session, settings, user_id, 50)
    assert await service.commit(session, entry_id, 40)
    assert not await service.commit(session, entry_id, 40)
    assert not await service.refund(session, entry_id)
    summary = await service.summary(session, settings, user_id)
    assert (summary.used, summary.reserved) == (40, 0)


async def test_commit_never_charges_more_than_was_reserved(
    session: AsyncSession, settings: Settings
) -> None:
    user_id = await _user(session, limit=100)
    entry_id = await _reserve(session, settings, user_id, 60)
    await _reserve(session, settings, user_id, 40)  # the rest of the month is held elsewhere
    assert await service.commit(session, entry_id, 90)
    summary = await service.summary(session, settings, user_id)
    assert summary.used + summary.reserved <= 100
    assert summary.used == 60


async def test_over_quota_is_refused_with_the_reset_time(
    session: AsyncSession, settings: Settings
) -> None:
    user_id = await _user(session, limit=100)
    await _reserve(session, settings, user_id, 70)
    with pytest.raises(QuotaExceeded) as refused:
        await _reserve(session, settings, user_id, 31)
    assert refused.value.extra["resets_at"] == "2026-12-01T00:00:00Z"
    assert refused.value.extra["remaining"] == 30
    assert int(refused.value.headers["Retry-After"]) == int(
        timedelta(days=10, hours=12).total_seconds()
    )
    # Exactly up to the limit is fine.
    await _reserve(session, settings, user_id, 30)
    summary = await service.summary(session, settings, user_id, now=NOW)
    assert (summary.reserved, summary.remaining) == (100, 0)


async def test_refund_gives_the_characters_back(session: AsyncSession, settings: Settings) -> None:
    user_id = await _user(session, limit=100)
    entry_id = await _reserve(session, settings, user_id, 100)
    with pytest.raises(QuotaExceeded):
        await _reserve(session, settings, user_id, 1)
    await service.refund(session, entry_id)
    await _reserve(session, settings, user_id, 100)


async def test_user_override_and_default_limit(session: AsyncSession, settings: Settings) -> None:
    user_id = await _user(session)
    assert (await service.summary(session, settings, user_id)).limit == settings.monthly_char_limit
    user = await session.get(User, user_id)
    assert user is not None
    user.monthly_char_limit = 10
    await session.flush()
    with pytest.raises(QuotaExceeded):
        await _reserve(session, settings, user_id, 11)
    user.monthly_char_limit = None
    await session.flush()
    await _reserve(session, settings, user_id, 11)


async def test_a_new_month_starts_at_zero(session: AsyncSession, settings: Settings) -> None:
    user_id = await _user(session, limit=200)
    last_second = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    done = await _reserve(session, settings, user_id, 100, now=last_second)
    await service.commit(session, done, 100, now=last_second)
    running = await _reserve(session, settings, user_id, 100, now=last_second)
    with pytest.raises(QuotaExceeded) as refused:
        await _reserve(session, settings, user_id, 1, now=last_second)
    assert refused.value.extra["resets_at"] == "2026-12-01T00:00:00Z"

    midnight = datetime(2026, 12, 1, tzinfo=UTC)
    await _reserve(session, settings, user_id, 200, now=midnight)
    december = await service.summary(session, settings, user_id, now=midnight)
    assert (december.used, december.reserved) == (0, 200)
    assert december.period_start == midnight
    assert december.resets_at == datetime(2027, 1, 1, tzinfo=UTC)

    # A perform that started in November and ends in December is November's.
    assert await service.commit(session, running, 80, now=midnight)
    november = await service.summary(session, settings, user_id, now=last_second)
    assert (november.used, november.reserved) == (180, 0)
    assert (await service.summary(session, settings, user_id, now=midnight)).used == 0


async def test_stale_reservations_are_released(session: AsyncSession, settings: Settings) -> None:
    user_id = await _user(session, limit=100)
    crashed = await _reserve(session, settings, user_id, 60)
    fresh = await _reserve(session, settings, user_id, 30)
    ttl = timedelta(seconds=settings.quota_reservation_ttl_seconds)

    assert await service.release_stale(session, now=NOW + ttl - timedelta(seconds=1)) == 0
    assert await service.release_stale(session, now=NOW + ttl) == 2
    summary = await service.summary(session, settings, user_id, now=NOW)
    assert summary.reserved == 0
    usage = await service.usage(session, settings, user_id, now=NOW)
    assert {entry.id: entry.status for entry in usage.recent} == {
        crashed: UsageStatus.expired,
        fresh: UsageStatus.expired,
    }
    # A perform that finishes after its reservation expired charges nothing.
    assert not await service.commit(session, fresh, 30)
    assert (await service.summary(session, settings, user_id, now=NOW)).used == 0


async def test_a_refused_reservation_first_releases_the_users_stale_ones(
    session: AsyncSession, settings: Settings
) -> None:
    user_id = await _user(session, limit=100)
    await _reserve(session, settings, user_id, 90)  # its perform crashed
    later = NOW + timedelta(seconds=settings.quota_reservation_ttl_seconds + 1)
    entry_id = await _reserve(session, settings, user_id, 50, now=later)
    summary = await service.summary(session, settings, user_id, now=later)
    assert (summary.reserved, summary.used) == (50, 0)
    assert entry_id


async def test_unknown_user_and_reservation(session: AsyncSession, settings: Settings) -> None:
    from newvisions.users.exceptions import UserNotFound

    with pytest.raises(UserNotFound):
        await _reserve(session, settings, uuid.uuid4(), 1)
    with pytest.raises(ReservationNotFound):
        await service.commit(session, uuid.uuid4(), 1)
