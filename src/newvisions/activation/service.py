"""Activation codes: issue batches, redeem exactly once, revoke."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation.code_generator import generate_code
from newvisions.activation.exceptions import (
    ActivationCodeExpired,
    ActivationCodeInvalid,
    ActivationCodeNotFound,
    ActivationCodeRevoked,
    ActivationCodeUsed,
)
from newvisions.activation.repository import ActivationRepository
from newvisions.models import ActivationCode
from newvisions.utils.validators import is_activation_code

_INSERT_CHUNK = 500


async def generate_codes(
    session: AsyncSession,
    count: int,
    *,
    batch: str | None = None,
    expires_in: timedelta | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ActivationCode]:
    """Create `count` fresh unique codes, in chunks (progress reported after each)."""
    repository = ActivationRepository(session)
    expires_at = datetime.now(UTC) + expires_in if expires_in else None
    created: list[ActivationCode] = []
    while len(created) < count:
        wanted = min(_INSERT_CHUNK, count - len(created))
        candidates = {generate_code() for _ in range(wanted)}
        fresh = candidates - await repository.existing(sorted(candidates))
        rows = [ActivationCode(code=c, batch=batch, expires_at=expires_at) for c in fresh]
        await repository.add_many(rows)
        created.extend(rows)
        if progress:
            progress(len(rows))
    return created


async def redeem(session: AsyncSession, raw_code: str, user_id: uuid.UUID) -> None:
    """Use the code for `user_id`, in the caller's transaction, or raise why it cannot be."""
    code = raw_code.strip()
    if not is_activation_code(code):
        raise ActivationCodeInvalid()
    repository = ActivationRepository(session)
    now = datetime.now(UTC)
    if await repository.redeem(code, user_id, now):
        return
    existing = await repository.get(code)
    if existing is None:
        raise ActivationCodeInvalid()
    if existing.revoked_at is not None:
        raise ActivationCodeRevoked()
    if existing.used_at is not None:
        raise ActivationCodeUsed()
    raise ActivationCodeExpired()


async def revoke(session: AsyncSession, code: str) -> None:
    repository = ActivationRepository(session)
    if not await repository.revoke(code, datetime.now(UTC)) and await repository.get(code) is None:
        raise ActivationCodeNotFound()
