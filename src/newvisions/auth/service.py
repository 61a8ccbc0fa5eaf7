"""Login, refresh-token rotation with theft detection, logout, sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from newvisions.auth.cache import AuthCache
from newvisions.auth.exceptions import (
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidToken,
    SessionNotFound,
)
from newvisions.auth.jwt_handler import (
    InvalidAccessToken,
    decode_access_token,
    encode_access_token,
)
from newvisions.auth.password_utils import verify_password
from newvisions.auth.repository import AuthRepository
from newvisions.auth.schemas import TokenPair
from newvisions.auth.throttling import Throttle
from newvisions.auth.tokens import new_opaque_token, token_hash
from newvisions.config.database import is_read_only
from newvisions.models import AuthSession, User
from newvisions.users.exceptions import UserDeactivated
from newvisions.users.repository import UserRepository

REFRESH_TOKEN_TTL = timedelta(days=30)
# last_used_at is a convenience for the device list; writing it on every request is waste.
_TOUCH_INTERVAL = timedelta(minutes=1)

log = structlog.get_logger(__name__)


BEARER = "bearer"


def _is_live(auth_session: AuthSession, now: datetime) -> bool:
    return auth_session.revoked_at is None and auth_session.expires_at > now


@dataclass(frozen=True, slots=True)
class Authenticated:
    user: User
    session: AuthSession


async def login(
    session: AsyncSession,
    *,
    login: str,
    password: str,
    device_name: str | None,
    secret: str,
    max_sessions: int = 0,
    throttle: Throttle | None = None,
) -> tuple[User, TokenPair]:
    user = await UserRepository(session).by_login(login)
    if throttle is not None:
        # Keyed by account id when it exists, so switching between username and email does
        # not double the budget; unknown logins are counted too, under their own key.
        account_key = f"user:{user.id}" if user else f"login:{login.strip().lower()}"
        await throttle.enforce_address(throttle.limits.login_address)
        await throttle.enforce(throttle.limits.login_account, account_key)
    valid, upgraded_hash = await verify_password(password, user.password_hash if user else None)
    if user is None or not valid:
        raise InvalidCredentials()
    if not user.is_active:
        raise UserDeactivated()
    if upgraded_hash:  # legacy bcrypt or weaker Argon2 parameters: store the current scheme
        user.password_hash = upgraded_hash
    tokens = await _open_session(session, user, device_name or "Unnamed device", secret)
    if max_sessions > 0:
        await _enforce_session_cap(session, user.id, max_sessions)
    log.info("auth.login", user_id=str(user.id), session_id=str(tokens.session_id))
    return user, tokens


async def _open_session(
    session: AsyncSession, user: User, device_name: str, secret: str
) -> TokenPair:
    now = datetime.now(UTC)
    auth_session = AuthSession(
        user_id=user.id,
        device_name=device_name[:100],
        created_at=now,
        last_used_at=now,
        expires_at=now + REFRESH_TOKEN_TTL,
    )
    refresh_token = new_opaque_token()
    await AuthRepository(session).add_session(auth_session, token_hash(refresh_token))
    return _token_pair(user, auth_session, refresh_token, secret, now)


async def _enforce_session_cap(session: AsyncSession, user_id: uuid.UUID, cap: int) -> None:
    repository = AuthRepository(session)
    now = datetime.now(UTC)
    active = await repository.active_sessions(user_id, now)
    for oldest in active[: max(0, len(active) - cap)]:
        await repository.revoke_sessions(user_id, now, "session_limit", only=oldest.id)


async def refresh(session: AsyncSession, refresh_token: str, secret: str) -> TokenPair:
    """Exchange a refresh token for a new pair; a reused old token revokes the session."""
    repository = AuthRepository(session)
    stored = await repository.refresh_token_for_update(token_hash(refresh_token))
    if stored is None:
        raise InvalidRefreshToken()
    now = datetime.now(UTC)
    auth_session = await repository.get_session(stored.session_id)
    if (
        auth_session is None
        or auth_session.revoked_at is not None
        or auth_session.expires_at <= now
    ):
        raise InvalidRefreshToken()
    user = await UserRepository(session).get(auth_session.user_id)
    if user is None or not user.is_active:
        raise InvalidRefreshToken()
    if stored.rotated_at is not None or not await repository.mark_rotated(stored.id, now):
        await _revoke_stolen(session, auth_session, now)
        raise InvalidRefreshToken()
    new_refresh = new_opaque_token()
    await repository.add_refresh_token(auth_session.id, token_hash(new_refresh))
    auth_session.last_used_at = now
    await session.flush()
    return _token_pair(user, auth_session, new_refresh, secret, now)


def _token_pair(
    user: User, auth_session: AuthSession, refresh_token: str, secret: str, now: datetime
) -> TokenPair:
    access_token, expires_at = encode_access_token(user.id, auth_session.id, secret, now=now)
    return TokenPair(
        access_token=access_token,
        token_type=BEARER,
        expires_at=expires_at,
        refresh_token=refresh_token,
        refresh_expires_at=auth_session.expires_at,
        session_id=auth_session.id,
    )


async def _revoke_stolen(session: AsyncSession, auth_session: AuthSession, now: datetime) -> None:
    await AuthRepository(session).revoke_sessions(
        auth_session.user_id, now, "refresh_token_reused", only=auth_session.id
    )
    # This must survive the error response that follows, or the thief keeps the session.
    await session.commit()
    log.warning(
        "auth.refresh_token_reused",
        user_id=str(auth_session.user_id),
        session_id=str(auth_session.id),
    )


async def authenticate(
    session: AsyncSession,
    access_token: str,
    secret: str,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    cache: AuthCache | None = None,
) -> Authenticated:
    """The user behind an access token, if its session is live and the user is active.

    `last_used_at` is written at most once a minute: in `session`, or, when `session` is a
    read-only request's, in a short transaction of its own from `sessionmaker`. A read-only
    request may reuse a check `cache` made a moment ago (never a request that may write).
    """
    cacheable = cache is not None and cache.enabled and is_read_only(session)
    generation = 0
    if cache is not None and cacheable:
        hit = cache.get(access_token)
        if hit is not None:
            now = datetime.now(UTC)
            if now < hit.token_expires_at and _is_live(hit.authenticated.session, now):
                return hit.authenticated
        generation = cache.generation
    try:
        claims = decode_access_token(access_token, secret)
    except InvalidAccessToken as exc:
        raise InvalidToken() from exc
    repository = AuthRepository(session)
    found = await repository.session_with_user(claims.session_id, claims.user_id)
    now = datetime.now(UTC)
    if found is None:
        raise InvalidToken()
    auth_session, user = found
    if not _is_live(auth_session, now):
        raise InvalidToken()
    if not user.is_active:
        raise UserDeactivated()
    if now - auth_session.last_used_at > _TOUCH_INTERVAL:
        if is_read_only(session):
            if sessionmaker is None:
                raise RuntimeError("a read-only session needs a sessionmaker to record use")
            async with sessionmaker.begin() as writer:
                await AuthRepository(writer).touch_session(auth_session.id, now)
            # The request's own snapshot shows the new value too, without a write of its own.
            set_committed_value(auth_session, "last_used_at", now)
        else:
            await repository.touch_session(auth_session.id, now)
    authenticated = Authenticated(user=user, session=auth_session)
    if cache is not None and cacheable:
        cache.put(access_token, authenticated, claims.expires_at, generation=generation)
    return authenticated


async def logout(session: AsyncSession, authenticated: Authenticated) -> None:
    await AuthRepository(session).revoke_sessions(
        authenticated.user.id, datetime.now(UTC), "logout", only=authenticated.session.id
    )


async def logout_all(session: AsyncSession, user: User) -> int:
    return await AuthRepository(session).revoke_sessions(user.id, datetime.now(UTC), "logout_all")


async def list_sessions(session: AsyncSession, user: User) -> list[AuthSession]:
    return list(await AuthRepository(session).active_sessions(user.id, datetime.now(UTC)))


async def revoke_session(session: AsyncSession, user: User, session_id: uuid.UUID) -> None:
    revoked = await AuthRepository(session).revoke_sessions(
        user.id, datetime.now(UTC), "revoked_by_user", only=session_id
    )
    if revoked == 0:  # not this user's, or already ended: the same answer either way
        raise SessionNotFound()
