"""Registration, profile, settings and account deletion."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation import service as activation_service
from newvisions.auth.password_utils import hash_password, verify_password
from newvisions.auth.repository import AuthRepository
from newvisions.models import User, UserRole
from newvisions.users.exceptions import EmailTaken, UsernameTaken, WrongPassword
from newvisions.users.repository import UserRepository
from newvisions.users.schemas import (
    UserRegister,
    UserSettings,
    UserSettingsUpdate,
    UserUpdate,
)
from newvisions.users.settings_codec import read_settings, write_settings

log = structlog.get_logger(__name__)


async def register(session: AsyncSession, payload: UserRegister) -> User:
    """Create the account and redeem its activation code in one transaction."""
    users = UserRepository(session)
    await _ensure_available(users, username=payload.username, email=str(payload.email))
    user = User(
        username=payload.username,
        username_key=payload.username.lower(),
        email=str(payload.email).lower(),
        password_hash=await hash_password(payload.password),
        role=UserRole.user,
        settings=write_settings(UserSettings()),
    )
    try:
        await users.add(user)
    except IntegrityError as exc:  # a concurrent registration took the name first
        raise UsernameTaken() if "username" in str(exc.orig).lower() else EmailTaken() from exc
    await activation_service.redeem(session, payload.activation_code, user.id)
    log.info("user.registered", user_id=str(user.id))
    return user


async def create_admin(session: AsyncSession, username: str, email: str, password: str) -> User:
    users = UserRepository(session)
    await _ensure_available(users, username=username, email=email)
    user = User(
        username=username,
        username_key=username.lower(),
        email=email.lower(),
        password_hash=await hash_password(password),
        role=UserRole.admin,
        settings=write_settings(UserSettings()),
    )
    await users.add(user)
    return user


async def _ensure_available(
    users: UserRepository, *, username: str | None, email: str | None
) -> None:
    if username is not None and await users.username_exists(username):
        raise UsernameTaken()
    if email is not None and await users.email_exists(email):
        raise EmailTaken()


async def require_password(user: User, password: str) -> None:
    valid, _ = await verify_password(password, user.password_hash)
    if not valid:
        raise WrongPassword()


async def update_profile(session: AsyncSession, user: User, payload: UserUpdate) -> User:
    await require_password(user, payload.current_password)
    users = UserRepository(session)
    new_username = payload.username if payload.username != user.username else None
    new_email = str(payload.email).lower() if payload.email else None
    if new_email == user.email:
        new_email = None
    if new_username and new_username.lower() == user.username_key:
        user.username = new_username  # only the capitalisation changes
        new_username = None
    await _ensure_available(users, username=new_username, email=new_email)
    if new_username:
        user.username = new_username
        user.username_key = new_username.lower()
    if new_email:
        user.email = new_email
    await session.flush()
    return user


async def change_password(
    session: AsyncSession, user: User, current: str, new: str, *, keep_session: uuid.UUID
) -> None:
    """Change the password and end every other session of the account."""
    await require_password(user, current)
    now = datetime.now(UTC)
    user.password_hash = await hash_password(new)
    user.password_changed_at = now
    await AuthRepository(session).revoke_sessions(
        user.id, now, "password_changed", keep=keep_session
    )
    await session.flush()


def get_settings(user: User) -> UserSettings:
    return read_settings(user.settings)


async def replace_settings(session: AsyncSession, user: User, new: UserSettings) -> UserSettings:
    user.settings = write_settings(new)
    await session.flush()
    return new


async def patch_settings(
    session: AsyncSession, user: User, changes: UserSettingsUpdate
) -> UserSettings:
    merged = get_settings(user).model_copy(update=changes.model_dump(exclude_unset=True))
    return await replace_settings(session, user, UserSettings.model_validate(merged.model_dump()))


async def delete_account(session: AsyncSession, user: User, password: str) -> None:
    """Delete the account and everything it owns (rows cascade; files are removed by owners)."""
    await require_password(user, password)
    await UserRepository(session).delete(user)
    log.info("user.deleted", user_id=str(user.id))
