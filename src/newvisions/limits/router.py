from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from newvisions.auth.dependencies import AdminUser, CurrentUser
from newvisions.auth.exceptions import AdminRequired, InvalidToken, NotAuthenticated
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.config.settings import Settings
from newvisions.limits import service
from newvisions.limits.schemas import QuotaLimitUpdate, Usage, UsageSummary
from newvisions.users.exceptions import UserDeactivated, UserNotFound
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/usage", tags=["usage"])

_AUTH_ERRORS = (NotAuthenticated, InvalidToken, UserDeactivated)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get(
    "",
    response_model=Usage,
    summary="This month's characters: used, limit, remaining, reset time, recent performs",
    responses=error_responses(*_AUTH_ERRORS),
)
async def get_usage(request: Request, user: CurrentUser, session: DbSession) -> Usage:
    return await service.usage(session, _settings(request), user.id)


@router.put(
    "/users/{user_id}/limit",
    response_model=UsageSummary,
    summary="Set (or clear, with null) a user's own monthly character limit (admins)",
    responses=error_responses(*_AUTH_ERRORS, AdminRequired, UserNotFound),
)
async def set_user_limit(
    user_id: uuid.UUID,
    payload: QuotaLimitUpdate,
    request: Request,
    _admin: AdminUser,
    session: DbSession,
) -> UsageSummary:
    return await service.set_user_limit(
        session, _settings(request), user_id, payload.monthly_char_limit
    )
