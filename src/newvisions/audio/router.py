from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from newvisions.audio import service
from newvisions.audio.exceptions import AudioExpired, AudioLinkInvalid, AudioNotFound
from newvisions.audio.schemas import AudioLink
from newvisions.auth.dependencies import AUTH_ERRORS, CurrentUser, current_authentication
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.config.settings import Settings
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/audio", tags=["audio"])

_optional_bearer = HTTPBearer(auto_error=False, description="The access token, unless ?token=.")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get(
    "/{audio_id}",
    response_class=FileResponse,
    summary="Download or play a generated memo (owner's token, or a signed ?token= link)",
    responses={
        200: {"content": {"audio/mp4": {}, "audio/mpeg": {}}, "description": "The memo."},
        **error_responses(*AUTH_ERRORS, AudioLinkInvalid, AudioNotFound, AudioExpired),
    },
)
async def get_audio(
    audio_id: uuid.UUID,
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
    token: Annotated[str | None, Query(max_length=2048, description="A signed link token.")] = None,
) -> FileResponse:
    settings = _settings(request)
    if token is not None:
        owner = service.owner_from_link(settings, audio_id, token)
    else:
        owner = (await current_authentication(request, session, credentials)).user.id
    audio, path = await service.memo_file(session, settings, owner, audio_id)
    return FileResponse(
        path,
        media_type=audio.mime,
        filename=f"{audio.title}.{path.suffix.lstrip('.')}",
        content_disposition_type="inline",
        headers={"Cache-Control": "private, no-store"},
    )


@router.post(
    "/{audio_id}/link",
    response_model=AudioLink,
    summary="A fresh signed link to one of your memos, for <audio src>",
    responses=error_responses(*AUTH_ERRORS, AudioNotFound, AudioExpired),
)
async def new_link(
    audio_id: uuid.UUID, request: Request, user: CurrentUser, session: DbSession
) -> AudioLink:
    audio = await service.owned_memo(session, user.id, audio_id)
    return service.signed_link(_settings(request), audio)


@router.delete(
    "/{audio_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete one of your memos now",
    responses=error_responses(*AUTH_ERRORS, AudioNotFound),
)
async def delete_audio(
    audio_id: uuid.UUID, request: Request, user: CurrentUser, session: DbSession
) -> None:
    await service.delete_memo(session, _settings(request), user.id, audio_id)
