"""Activation codes: issue batches, redeem exactly once, revoke; password reset."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation.code_generator import generate_code
from newvisions.activation.exceptions import (
    ActivationCodeExpired,
    ActivationCodeInvalid,
    ActivationCodeNotFound,
    ActivationCodeRevoked,
    ActivationCodeUsed,
    PasswordResetRefused,
)
from newvisions.activation.repository import (
    ActivationRepository,
    CodeStatus,
    ResetCodeRepository,
    code_filters,
)
from newvisions.auth.password_utils import hash_password
from newvisions.auth.repository import AuthRepository
from newvisions.auth.tokens import token_hash
from newvisions.models import ActivationCode, PasswordResetCode, User
from newvisions.users.repository import UserRepository
from newvisions.utils.validators import is_activation_code

_INSERT_CHUNK = 500
RESET_CODE_TTL = timedelta(hours=24)
# Stands in for the account when the email is unknown, so the same queries run either way.
_NOBODY = uuid.UUID(int=0)

log = structlog.get_logger(__name__)


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


async def revoke(session: AsyncSession, code: str) -> ActivationCode:
    """Withdraw a code (idempotent). A used code that is revoked no longer resets a password."""
    repository = ActivationRepository(session)
    code = code.strip()
    await repository.revoke(code, datetime.now(UTC))
    revoked = await repository.get(code)
    if revoked is None:
        raise ActivationCodeNotFound()
    await session.refresh(revoked)
    log.info("activation_code.revoked", code_id=revoked.id)
    return revoked


async def list_codes(
    session: AsyncSession,
    *,
    status: CodeStatus | None = None,
    batch: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[Sequence[ActivationCode], int]:
    filters = code_filters(datetime.now(UTC), status=status, batch=batch)
    return await ActivationRepository(session).page(filters, offset=offset, limit=limit)


async def issue_reset_code(session: AsyncSession, user: User) -> tuple[str, datetime]:
    """A one-time password-reset code for `user`, valid 24 h; earlier unused ones stop working.

    Only its hash is stored: the code is shown once, to the admin who issued it.
    """
    code = generate_code()
    expires_at = datetime.now(UTC) + RESET_CODE_TTL
    await ResetCodeRepository(session).replace_for_user(
        PasswordResetCode(user_id=user.id, code_hash=token_hash(code), expires_at=expires_at)
    )
    log.info("password_reset_code.issued", user_id=str(user.id))
    return code, expires_at


async def reset_password(session: AsyncSession, email: str, code: str, new_password: str) -> None:
    """Set a new password with the account's own activation code or an admin reset code.

    Whether the email exists or not, the same work is done (one password hash, the same
    queries) and the same error is raised, so neither the answer nor its timing tells.
    A successful reset ends every session of the account.
    """
    new_hash = await hash_password(new_password)
    code = code.strip()
    user = await UserRepository(session).by_email(email)
    owner_id = user.id if user is not None else _NOBODY
    now = datetime.now(UTC)
    registered_with = await ActivationRepository(session).code_used_by(owner_id)
    allowed = (
        registered_with is not None
        and registered_with.revoked_at is None
        and hmac.compare_digest(registered_with.code.encode(), code.encode())
    )
    if not allowed:
        allowed = await ResetCodeRepository(session).use(owner_id, token_hash(code), now)
    if user is None or not allowed or not user.is_active:
        raise PasswordResetRefused()
    user.password_hash = new_hash
    user.password_changed_at = now
    await AuthRepository(session).revoke_sessions(user.id, now, "password_reset")
    await session.flush()
    log.info("user.password_reset", user_id=str(user.id))
