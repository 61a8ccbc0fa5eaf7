from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from newvisions.audio.exceptions import AudioRenderFailed
from newvisions.auth.dependencies import AUTH_ERRORS, CurrentUser
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.content.exceptions import (
    InvalidValue,
    NoteUnavailable,
    UnknownRoutine,
    ValueNotAllowed,
)
from newvisions.limits.exceptions import QuotaExceeded
from newvisions.perform.dependencies import PerformerDep
from newvisions.perform.exceptions import (
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    PerformInProgress,
)
from newvisions.perform.schemas import PerformCreate, PerformResult, PerformSummary
from newvisions.utils.errors import error_responses
from newvisions.utils.request_context import current_request_id
from newvisions.voice_cloning.exceptions import (
    ProviderQuotaExceeded,
    VoiceProviderUnavailable,
    VoiceRecordingMissing,
    VoiceSlotsBusy,
)

router = APIRouter(prefix=API_PREFIX, tags=["perform"])

_PRINTABLE_ASCII = range(0x21, 0x7F)


def _checked_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 128 or any(ord(ch) not in _PRINTABLE_ASCII for ch in key):
        raise InvalidIdempotencyKey()
    return key


@router.post(
    "/perform",
    response_model=PerformResult,
    summary="Make the memo: note + the performer's voice + voice-memo rendering",
    responses=error_responses(
        *AUTH_ERRORS,
        InvalidIdempotencyKey,
        IdempotencyKeyReused,
        PerformInProgress,
        UnknownRoutine,
        InvalidValue,
        ValueNotAllowed,
        NoteUnavailable,
        VoiceRecordingMissing,
        QuotaExceeded,
        VoiceSlotsBusy,
        VoiceProviderUnavailable,
        ProviderQuotaExceeded,
        AudioRenderFailed,
    ),
)
async def perform(
    payload: PerformCreate,
    user: CurrentUser,
    session: DbSession,
    performer: PerformerDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    inline: Annotated[bool, Query(description="Add the memo itself as audio_base64.")] = False,
) -> PerformResult:
    key = _checked_key(idempotency_key)
    # The perform runs its steps in short transactions of its own; ending the request's
    # read transaction now keeps it from holding a connection (and SQLite's lock) for seconds.
    await session.commit()
    return await performer.perform(
        user, payload, request_id=current_request_id(), idempotency_key=key, inline=inline
    )


@router.get(
    "/performs",
    response_model=list[PerformSummary],
    summary="The performer's recent memos, newest first",
    responses=error_responses(*AUTH_ERRORS),
)
async def recent_performs(
    user: CurrentUser,
    session: DbSession,
    performer: PerformerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> list[PerformSummary]:
    return await performer.recent(session, user.id, limit)
