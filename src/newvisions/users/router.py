from __future__ import annotations

from fastapi import APIRouter, status

from newvisions.auth.dependencies import CurrentAuth, CurrentUser
from newvisions.auth.exceptions import InvalidToken, NotAuthenticated
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.users import service
from newvisions.users.exceptions import EmailTaken, UserDeactivated, UsernameTaken, WrongPassword
from newvisions.users.schemas import (
    AccountDelete,
    PasswordChange,
    User,
    UserSettings,
    UserSettingsUpdate,
    UserUpdate,
)
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"])

_AUTH_ERRORS = (NotAuthenticated, InvalidToken, UserDeactivated)


@router.get("/me", response_model=User, responses=error_responses(*_AUTH_ERRORS))
async def me(user: CurrentUser) -> User:
    return User.model_validate(user)


@router.patch(
    "/me",
    response_model=User,
    summary="Change username or email (needs the current password)",
    responses=error_responses(*_AUTH_ERRORS, WrongPassword, UsernameTaken, EmailTaken),
)
async def update_me(payload: UserUpdate, user: CurrentUser, session: DbSession) -> User:
    return User.model_validate(await service.update_profile(session, user, payload))


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password; every other session ends",
    responses=error_responses(*_AUTH_ERRORS, WrongPassword),
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
    responses=error_responses(*_AUTH_ERRORS, WrongPassword),
)
async def delete_me(payload: AccountDelete, user: CurrentUser, session: DbSession) -> None:
    await service.delete_account(session, user, payload.password)


@router.get("/me/settings", response_model=UserSettings, responses=error_responses(*_AUTH_ERRORS))
async def get_settings(user: CurrentUser) -> UserSettings:
    return service.get_settings(user)


@router.put("/me/settings", response_model=UserSettings, responses=error_responses(*_AUTH_ERRORS))
async def put_settings(
    payload: UserSettings, user: CurrentUser, session: DbSession
) -> UserSettings:
    return await service.replace_settings(session, user, payload)


@router.patch("/me/settings", response_model=UserSettings, responses=error_responses(*_AUTH_ERRORS))
async def patch_settings(
    payload: UserSettingsUpdate, user: CurrentUser, session: DbSession
) -> UserSettings:
    return await service.patch_settings(session, user, payload)
