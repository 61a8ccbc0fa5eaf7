from __future__ import annotations

from fastapi import APIRouter

from newvisions.auth.dependencies import CurrentUser
from newvisions.auth.exceptions import InvalidToken, NotAuthenticated
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.content.dependencies import PreviewRateLimit
from newvisions.content.exceptions import (
    InvalidValue,
    NoteUnavailable,
    ThoughtPreviewRateLimited,
    UnknownRoutine,
    ValueNotAllowed,
)
from newvisions.content.schemas import Note, ThoughtPreviewCreate
from newvisions.content.service import NoteMemory, NoteWriterDep
from newvisions.users import service as users_service
from newvisions.users.exceptions import UserDeactivated
from newvisions.utils.errors import error_responses

router = APIRouter(prefix=f"{API_PREFIX}/thoughts", tags=["thoughts"])


@router.post(
    "/preview",
    response_model=Note,
    summary="Write a note for a routine and value, without speaking it (to rehearse)",
    responses=error_responses(
        NotAuthenticated,
        InvalidToken,
        UserDeactivated,
        UnknownRoutine,
        InvalidValue,
        ValueNotAllowed,
        NoteUnavailable,
        ThoughtPreviewRateLimited,
    ),
)
async def preview(
    payload: ThoughtPreviewCreate,
    user: CurrentUser,
    session: DbSession,
    writer: NoteWriterDep,
    _limit: PreviewRateLimit,
) -> Note:
    language = payload.language or users_service.get_settings(user).voice_language
    return await writer.write_note(
        payload.routine, payload.value, language, memory=NoteMemory(session, user.id)
    )
