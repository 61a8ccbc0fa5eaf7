from __future__ import annotations

from fastapi import APIRouter, Request

from newvisions.auth.dependencies import AUTH_ERRORS, CurrentUser
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.config.settings import Settings
from newvisions.limits import service
from newvisions.limits.schemas import Usage
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/usage", tags=["usage"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get(
    "",
    response_model=Usage,
    summary="This month's characters: used, limit, remaining, reset time, recent performs",
    responses=error_responses(*AUTH_ERRORS),
)
async def get_usage(request: Request, user: CurrentUser, session: DbSession) -> Usage:
    return await service.usage(session, _settings(request), user.id)
