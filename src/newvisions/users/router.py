from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from newvisions.auth import cookies
from newvisions.auth.dependencies import AUTH_ERRORS, AdminUser, CurrentAuth, CurrentUser
from newvisions.auth.exceptions import AdminRequired
from newvisions.config.constants import API_PREFIX, MAX_PAGE_OFFSET
from newvisions.config.database import DbSession
from newvisions.users import service
from newvisions.users.exceptions import (
    CannotDeactivateSelf,
    EmailTaken,
    UsernameTaken,
    UserNotFound,
    WrongPassword,
)
from newvisions.users.schemas import (
    AccountDelete,
    AdminUserPage,
    AdminUserView,
    MonthlyLimitUpdate,
    PasswordChange,
    PasswordResetCode,
    User,
    UserSettings,
    UserSettingsUpdate,
    UserUpdate,
    UserUsage,
)
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"])
admin_router = APIRouter(prefix=f"{API_PREFIX}/admin/users", tags=["admin"])

_ADMIN_ERRORS = (*AUTH_ERRORS, AdminRequired)


@router.get("/me", response_model=User, responses=error_responses(*AUTH_ERRORS))
async def me(user: CurrentUser) -> User:
    return User.model_validate(user)


@router.patch(
    "/me",
    response_model=User,
    summary="Change username or email (needs the current password)",
    responses=error_responses(*AUTH_ERRORS, WrongPassword, UsernameTaken, EmailTaken),
)
async def update_me(payload: UserUpdate, user: CurrentUser, session: DbSession) -> User:
    return User.model_validate(await service.update_profile(session, user, payload))


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password; every other session ends",
    responses=error_responses(*AUTH_ERRORS, WrongPassword),
)
async def change_password(payload: PasswordChange, auth: CurrentAuth, session: DbSession) -> None:
    await service.change_password(
        session,
        auth.user,
        payload.current_password,
        payload.new_password,
        keep_session=auth.session.id,
    )


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the account and everything it owns",
    responses=error_responses(*AUTH_ERRORS, WrongPassword),
)
async def delete_me(
    payload: AccountDelete, user: CurrentUser, session: DbSession, response: Response
) -> None:
    await service.delete_account(session, user, payload.password)
    cookies.clear_refresh_cookie(response)


@router.get("/me/settings", response_model=UserSettings, responses=error_responses(*AUTH_ERRORS))
async def get_settings(user: CurrentUser) -> UserSettings:
    return service.get_settings(user)


@router.put("/me/settings", response_model=UserSettings, responses=error_responses(*AUTH_ERRORS))
async def put_settings(
    payload: UserSettings, user: CurrentUser, session: DbSession
) -> UserSettings:
    return await service.replace_settings(session, user, payload)


@router.patch("/me/settings", response_model=UserSettings, responses=error_responses(*AUTH_ERRORS))
async def patch_settings(
    payload: UserSettingsUpdate, user: CurrentUser, session: DbSession
) -> UserSettings:
    return await service.patch_settings(session, user, payload)


@admin_router.get(
    "",
    response_model=AdminUserPage,
    summary="List users (optionally matching a part of username or email)",
    responses=error_responses(*_ADMIN_ERRORS),
)
async def list_users(
    _admin: AdminUser,
    session: DbSession,
    search: Annotated[str | None, Query(max_length=254)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_PAGE_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AdminUserPage:
    rows, total = await service.list_users(session, offset=offset, limit=limit, search=search)
    return AdminUserPage(
        items=[AdminUserView.model_validate(u) for u in rows],
        total=total,
        offset=offset,
        limit=limit,
    )


@admin_router.get(
    "/{user_id}",
    response_model=AdminUserView,
    responses=error_responses(*_ADMIN_ERRORS, UserNotFound),
)
async def get_user(user_id: uuid.UUID, _admin: AdminUser, session: DbSession) -> AdminUserView:
    return AdminUserView.model_validate(await service.get_user(session, user_id))


@admin_router.get(
    "/{user_id}/usage",
    response_model=UserUsage,
    summary="A user's usage: sessions, limit, and each usage-tracking module's section",
    responses=error_responses(*_ADMIN_ERRORS, UserNotFound),
)
async def user_usage(user_id: uuid.UUID, _admin: AdminUser, session: DbSession) -> UserUsage:
    return await service.usage(session, user_id)


@admin_router.put(
    "/{user_id}/monthly-limit",
    response_model=AdminUserView,
    summary="Set a user's monthly character limit (null: the default quota)",
    responses=error_responses(*_ADMIN_ERRORS, UserNotFound),
)
async def set_monthly_limit(
    user_id: uuid.UUID, payload: MonthlyLimitUpdate, _admin: AdminUser, session: DbSession
) -> AdminUserView:
    user = await service.set_monthly_limit(session, user_id, payload.monthly_char_limit)
    return AdminUserView.model_validate(user)


@admin_router.post(
    "/{user_id}/deactivate",
    response_model=AdminUserView,
    summary="Deactivate a user; every session ends at once",
    responses=error_responses(*_ADMIN_ERRORS, UserNotFound, CannotDeactivateSelf),
)
async def deactivate_user(
    user_id: uuid.UUID, admin: AdminUser, session: DbSession
) -> AdminUserView:
    return AdminUserView.model_validate(await service.set_active(session, admin, user_id, False))


@admin_router.post(
    "/{user_id}/activate",
    response_model=AdminUserView,
    summary="Reactivate a deactivated user",
    responses=error_responses(*_ADMIN_ERRORS, UserNotFound),
)
async def activate_user(user_id: uuid.UUID, admin: AdminUser, session: DbSession) -> AdminUserView:
    return AdminUserView.model_validate(await service.set_active(session, admin, user_id, True))


@admin_router.post(
    "/{user_id}/reset-code",
    response_model=PasswordResetCode,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a one-time password-reset code (24 h); earlier unused ones stop working",
    responses=error_responses(*_ADMIN_ERRORS, UserNotFound),
)
async def issue_reset_code(
    user_id: uuid.UUID, _admin: AdminUser, session: DbSession
) -> PasswordResetCode:
    return await service.issue_reset_code(session, user_id)
