"""Quota steps. Each only flushes: the caller's transaction decides when they count.

Perform runs them through `quota_manager.QuotaManager`, one short transaction each.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.config.settings import Settings
from newvisions.limits.accounting import period_bounds, period_start
from newvisions.limits.exceptions import QuotaExceeded, ReservationNotFound
from newvisions.limits.repository import QuotaRepository
from newvisions.limits.schemas import Usage, UsageEntryOut, UsageSummary
from newvisions.models import UsageEntry, UsageStatus, User
from newvisions.users.exceptions import UserNotFound
from newvisions.users.service import usage_section

log = structlog.get_logger(__name__)

QUOTA_EVENTS = Counter(
    "nv_quota_events_total",
    "Quota reservations by outcome: reserved, refused, committed, refunded, expired.",
    ["event"],
)

RECENT_ENTRIES = 10


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def effective_limit(
    repository: QuotaRepository, settings: Settings, user_id: uuid.UUID
) -> int:
    exists, override = await repository.user_limit_override(user_id)
    if not exists:
        raise UserNotFound()
    return settings.monthly_char_limit if override is None else override


async def reserve(
    session: AsyncSession,
    settings: Settings,
    user_id: uuid.UUID,
    chars: int,
    *,
    request_id: str,
    model: str,
    now: datetime | None = None,
) -> UsageEntry:
    """Hold `chars` characters of this month's quota and write the ledger row."""
    if chars < 0:
        raise ValueError("a reservation cannot be negative")
    now = _now(now)
    repository = QuotaRepository(session)
    limit = await effective_limit(repository, settings, user_id)
    period = period_start(now)
    await repository.ensure_counter(user_id, period)
    granted = await repository.try_reserve(user_id, period, chars, limit)
    if not granted and await _release_stale_for(repository, user_id, now) > 0:
        # Crashed performs of this user were still holding characters: try once more.
        granted = await repository.try_reserve(user_id, period, chars, limit)
    if not granted:
        used, reserved = await repository.counter(user_id, period)
        _, resets_at = period_bounds(period)
        QUOTA_EVENTS.labels("refused").inc()
        log.info("quota.exceeded", user_id=str(user_id), requested=chars, used=used, limit=limit)
        raise QuotaExceeded(
            resets_at=resets_at,
            limit=limit,
            remaining=max(0, limit - used - reserved),
            now=now,
        )
    entry = UsageEntry(
        user_id=user_id,
        request_id=request_id[:64],
        period=period,
        model=model[:64],
        reserved=chars,
        charged=0,
        status=UsageStatus.reserved,
        expires_at=now + timedelta(seconds=settings.quota_reservation_ttl_seconds),
        created_at=now,
    )
    await repository.add_entry(entry)
    QUOTA_EVENTS.labels("reserved").inc()
    log.info("quota.reserved", user_id=str(user_id), entry_id=str(entry.id), chars=chars)
    return entry


async def commit(
    session: AsyncSession, entry_id: uuid.UUID, charged: int, *, now: datetime | None = None
) -> bool:
    """Charge `charged` characters (capped at the reservation); False if already settled.

    A perform reserves an upper bound before it knows its text, so the actual amount is
    never meant to exceed it; if it does, the excess is logged and not charged, because
    charging it could carry the user past the limit the reservation protected.
    """
    if charged < 0:
        raise ValueError("a charge cannot be negative")
    repository = QuotaRepository(session)
    entry = await repository.entry(entry_id)
    if entry is None:
        raise ReservationNotFound()
    if charged > entry.reserved:
        log.warning(
            "quota.charge_over_reservation",
            entry_id=str(entry_id),
            reserved=entry.reserved,
            charged=charged,
        )
        charged = entry.reserved
    if not await repository.settle_entry(
        entry_id, status=UsageStatus.committed, charged=charged, now=_now(now)
    ):
        log.warning("quota.commit_after_settled", entry_id=str(entry_id), status=entry.status)
        return False
    await repository.release(entry.user_id, entry.period, entry.reserved, charged)
    QUOTA_EVENTS.labels("committed").inc()
    log.info("quota.committed", user_id=str(entry.user_id), entry_id=str(entry_id), chars=charged)
    return True


async def refund(
    session: AsyncSession, entry_id: uuid.UUID, *, now: datetime | None = None
) -> bool:
    """Release a reservation without charging; False if it was already settled."""
    repository = QuotaRepository(session)
    entry = await repository.entry(entry_id)
    if entry is None:
        raise ReservationNotFound()
    if not await repository.settle_entry(
        entry_id, status=UsageStatus.refunded, charged=0, now=_now(now)
    ):
        return False
    await repository.release(entry.user_id, entry.period, entry.reserved, 0)
    QUOTA_EVENTS.labels("refunded").inc()
    log.info("quota.refunded", user_id=str(entry.user_id), entry_id=str(entry_id))
    return True


async def _expire(repository: QuotaRepository, entry_id: uuid.UUID, now: datetime) -> bool:
    entry = await repository.entry(entry_id)
    if entry is None or not await repository.settle_entry(
        entry_id, status=UsageStatus.expired, charged=0, now=now
    ):
        return False
    await repository.release(entry.user_id, entry.period, entry.reserved, 0)
    QUOTA_EVENTS.labels("expired").inc()
    log.warning(
        "quota.reservation_expired",
        user_id=str(entry.user_id),
        entry_id=str(entry_id),
        request_id=entry.request_id,
        chars=entry.reserved,
    )
    return True


async def _release_stale_for(
    repository: QuotaRepository, user_id: uuid.UUID | None, now: datetime
) -> int:
    released = 0
    for entry_id in await repository.stale_entry_ids(now, user_id=user_id):
        released += await _expire(repository, entry_id, now)
    return released


async def release_stale(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Release every reservation past its deadline (performs that crashed mid-way)."""
    return await _release_stale_for(QuotaRepository(session), None, _now(now))


async def release_for_request(
    session: AsyncSession, user_id: uuid.UUID, request_id: str, *, now: datetime | None = None
) -> int:
    """Release, as `expired`, what the request `request_id` of this user still holds (its
    perform is known to be dead), without waiting for the reservation's deadline."""
    repository = QuotaRepository(session)
    released = 0
    for entry_id in await repository.reserved_entry_ids(user_id, request_id[:64]):
        released += await _expire(repository, entry_id, _now(now))
    return released


async def summary(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, *, now: datetime | None = None
) -> UsageSummary:
    repository = QuotaRepository(session)
    limit = await effective_limit(repository, settings, user_id)
    period = period_start(_now(now))
    used, reserved = await repository.counter(user_id, period)
    start, resets_at = period_bounds(period)
    return UsageSummary(
        used=used,
        reserved=reserved,
        limit=limit,
        remaining=max(0, limit - used - reserved),
        period_start=start,
        resets_at=resets_at,
    )


async def usage(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, *, now: datetime | None = None
) -> Usage:
    current = await summary(session, settings, user_id, now=now)
    recent = await QuotaRepository(session).recent_entries(user_id, RECENT_ENTRIES)
    return Usage(
        **current.model_dump(),
        recent=[UsageEntryOut.model_validate(entry) for entry in recent],
    )


@usage_section("characters")
async def _admin_usage_section(session: AsyncSession, user: User) -> dict[str, Any]:
    """This month's characters in the admin usage view (GET /api/admin/users/{id}/usage).

    The limit is the view's own `monthly_char_limit` (null: NV_MONTHLY_CHAR_LIMIT).
    """
    period = period_start(datetime.now(UTC))
    used, reserved = await QuotaRepository(session).counter(user.id, period)
    start, resets_at = period_bounds(period)
    return {
        "used": used,
        "reserved": reserved,
        "period_start": start.isoformat().replace("+00:00", "Z"),
        "resets_at": resets_at.isoformat().replace("+00:00", "Z"),
    }
