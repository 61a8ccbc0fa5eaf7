"""Registration, profile, settings and account deletion."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.activation import service as activation_service
from newvisions.auth.password_utils import hash_password, verify_password
from newvisions.auth.repository import AuthRepository
from newvisions.models import User, UserRole
from newvisions.users.exceptions import (
    CannotDeactivateSelf,
    EmailTaken,
    UsernameTaken,
    UserNotFound,
    WrongPassword,
)
from newvisions.users.repository import UserRepository
from newvisions.users.schemas import (
    PasswordResetCode,
    UserRegister,
    UserSettings,
    UserSettingsUpdate,
    UserUpdate,
    UserUsage,
)
from newvisions.users.settings_codec import read_settings, write_settings

log = structlog.get_logger(__name__)


async def register(session: AsyncSession, payload: UserRegister) -> User:
    """Create the account and redeem its activation code in one transaction."""
    # Hash before the first query: on SQLite the transaction holds the write lock from then on.
    password_hash = await hash_password(payload.password)
    users = UserRepository(session)
    await _ensure_available(users, username=payload.username, email=str(payload.email))
    user = User(
        username=payload.username,
        username_key=payload.username.lower(),
        email=str(payload.email).lower(),
        password_hash=password_hash,
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


@dataclass(frozen=True, slots=True)
class FirstRun:
    """What the first start created; the password is known only here, once."""

    username: str
    email: str
    password: str
    codes: list[str]


FIRST_RUN_BATCH = "first-run"


async def bootstrap_first_run(
    session: AsyncSession, *, username: str, email: str, code_count: int
) -> FirstRun | None:
    """On a database without any admin: create one with a random password and a few codes.

    Idempotent: the existence of an admin is the marker, so later starts return None.
    """
    if await UserRepository(session).admin_exists():
        return None
    password = secrets.token_urlsafe(15)
    await create_admin(session, username, email, password)
    codes = await activation_service.generate_codes(session, code_count, batch=FIRST_RUN_BATCH)
    log.info("bootstrap.admin_created", username=username, codes=len(codes))
    return FirstRun(
        username=username, email=email, password=password, codes=[c.code for c in codes]
    )


# --- Account deletion hooks -------------------------------------------------------------
#
# Modules that own per-user data outside the users table (voice recording, live clones,
# generated audio, ...) register an async callback here, at import time of their service
# module. `delete_account` runs every hook, in registration order, inside the request's
# transaction and before the user row is deleted; a hook that raises aborts the deletion
# (nothing is deleted). Rows that reference users.id with ON DELETE CASCADE need no hook.
# See docs/decisions/0004-account-deletion-hooks.md.

AccountDeletionHook = Callable[[AsyncSession, User], Awaitable[None]]
_deletion_hooks: dict[str, AccountDeletionHook] = {}


def on_account_deletion(name: str) -> Callable[[AccountDeletionHook], AccountDeletionHook]:
    """Decorator: run `hook(session, user)` whenever an account is deleted."""

    def register(hook: AccountDeletionHook) -> AccountDeletionHook:
        _deletion_hooks[name] = hook  # re-registering a name replaces it (module reloads)
        return hook

    return register


def remove_account_deletion_hook(name: str) -> None:
    _deletion_hooks.pop(name, None)


def account_deletion_hooks() -> list[str]:
    return list(_deletion_hooks)


async def delete_account(session: AsyncSession, user: User, password: str) -> None:
    """Delete the account and everything it owns.

    Sessions and refresh tokens cascade in the database; the settings live in the user row;
    the activation code keeps only an anonymous "used" mark (ON DELETE SET NULL). Data owned
    by other modules goes through the deletion hooks first.
    """
    await require_password(user, password)
    for name, hook in list(_deletion_hooks.items()):
        await hook(session, user)
        log.info("user.deletion_hook_done", user_id=str(user.id), hook=name)
    await UserRepository(session).delete(user)
    log.info("user.deleted", user_id=str(user.id))


# --- Usage sections (admin view) ---------------------------------------------------------
#
# The admin usage view shows what each module knows about a user's consumption. A module
# registers a section (e.g. the quota module: "characters") returning a JSON-able dict.

UsageSection = Callable[[AsyncSession, User], Awaitable[dict[str, Any]]]
_usage_sections: dict[str, UsageSection] = {}


def usage_section(name: str) -> Callable[[UsageSection], UsageSection]:
    """Decorator: add `section(session, user)` to the admin usage view under `name`."""

    def register(section: UsageSection) -> UsageSection:
        _usage_sections[name] = section
        return section

    return register


def remove_usage_section(name: str) -> None:
    _usage_sections.pop(name, None)


# --- Administration ----------------------------------------------------------------------


async def list_users(
    session: AsyncSession, *, offset: int, limit: int, search: str | None
) -> tuple[Sequence[User], int]:
    return await UserRepository(session).page(offset=offset, limit=limit, search=search)


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise UserNotFound()
    return user


async def set_monthly_limit(
    session: AsyncSession, user_id: uuid.UUID, monthly_char_limit: int | None
) -> User:
    user = await get_user(session, user_id)
    user.monthly_char_limit = monthly_char_limit
    await session.flush()
    log.info("user.monthly_limit_set", user_id=str(user.id), limit=monthly_char_limit)
    return user


async def set_active(session: AsyncSession, admin: User, user_id: uuid.UUID, active: bool) -> User:
    """(De)activate an account; deactivation also ends every session it has."""
    user = await get_user(session, user_id)
    if not active and user.id == admin.id:
        raise CannotDeactivateSelf()
    user.is_active = active
    if not active:
        await AuthRepository(session).revoke_sessions(user.id, datetime.now(UTC), "deactivated")
    await session.flush()
    log.info("user.activation_changed", user_id=str(user.id), active=active)
    return user


async def usage(session: AsyncSession, user_id: uuid.UUID) -> UserUsage:
    user = await get_user(session, user_id)
    live = await AuthRepository(session).active_sessions(user.id, datetime.now(UTC))
    return UserUsage(
        user_id=user.id,
        monthly_char_limit=user.monthly_char_limit,
        active_sessions=len(live),
        last_seen_at=max((s.last_used_at for s in live), default=None),
        sections={name: await section(session, user) for name, section in _usage_sections.items()},
    )


async def issue_reset_code(session: AsyncSession, user_id: uuid.UUID) -> PasswordResetCode:
    user = await get_user(session, user_id)
    code, expires_at = await activation_service.issue_reset_code(session, user)
    return PasswordResetCode(user_id=user.id, code=code, expires_at=expires_at)
