"""`/api/voice/recording`: upload (multipart or base64 JSON), metadata, delete. Never the audio."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message

from newvisions.auth.dependencies import AUTH_ERRORS, CurrentUser
from newvisions.config.constants import API_PREFIX
from newvisions.config.database import DbSession
from newvisions.utils.errors import error_responses
from newvisions.voice_cloning.recording import service, tasks
from newvisions.voice_cloning.recording.exceptions import (
    RecordingBase64Invalid,
    RecordingClipped,
    RecordingContentTypeUnsupported,
    RecordingDecodeTimeout,
    RecordingFileMissing,
    RecordingFormatUnsupported,
    RecordingMostlySilent,
    RecordingNoSpeech,
    RecordingTooLarge,
    RecordingTooLong,
    RecordingTooQuiet,
    RecordingTooShort,
    RecordingUnreadable,
    RecordingUploadConflict,
    VoiceRecordingNotFound,
)
from newvisions.voice_cloning.recording.schemas import VoiceRecording, VoiceRecordingUpload

router = APIRouter(prefix=f"{API_PREFIX}/voice", tags=["voice"])

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file
JSON_OVERHEAD = 64 * 1024  # the data: prefix, mime_type, quotes and whitespace


def get_intake(request: Request) -> service.RecordingIntake:
    intake: service.RecordingIntake = request.app.state.voice_recordings
    return intake


Intake = Annotated[service.RecordingIntake, Depends(get_intake)]


def base64_length(size: int) -> int:
    return 4 * ((size + 2) // 3)


def _bounded(
    receive: Callable[[], Awaitable[Message]], limit: int
) -> Callable[[], Awaitable[Message]]:
    """`receive` that refuses the body as soon as more than `limit` bytes have arrived."""
    received = 0

    async def bounded_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise RecordingTooLarge()
        return message

    return bounded_receive


async def read_upload(request: Request, max_bytes: int) -> bytes:
    """The uploaded file's bytes, never reading more than the limit allows.

    A declared Content-Length over the limit is refused before any byte is read; a body
    without one (chunked) is counted as it streams and refused at the first byte too many.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        limit = max_bytes + MULTIPART_OVERHEAD
    elif media_type == "application/json":
        limit = base64_length(max_bytes) + JSON_OVERHEAD
    else:
        raise RecordingContentTypeUnsupported()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RecordingTooLarge()
    bounded = Request(request.scope, receive=_bounded(request.receive, limit))
    if media_type == "multipart/form-data":
        return await _read_multipart(bounded, max_bytes)
    return _read_base64(await bounded.body(), max_bytes)


async def _read_multipart(request: Request, max_bytes: int) -> bytes:
    async with request.form(max_files=1, max_fields=8) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RecordingFileMissing()
        data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RecordingTooLarge()
    if not data:
        raise RecordingFileMissing()
    return data


def _read_base64(body: bytes, max_bytes: int) -> bytes:
    try:
        payload = VoiceRecordingUpload.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc
    text = payload.audio_base64.strip()
    if text.startswith("data:"):
        header, comma, text = text.partition(",")
        if not comma or not header.endswith(";base64"):
            raise RecordingBase64Invalid()
    text = "".join(text.split())  # some clients wrap base64 lines
    if len(text) > base64_length(max_bytes):
        raise RecordingTooLarge()
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RecordingBase64Invalid() from exc
    if len(data) > max_bytes:
        raise RecordingTooLarge()
    if not data:
        raise RecordingFileMissing()
    return data


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "application/json": {"schema": VoiceRecordingUpload.model_json_schema()},
        },
    }
}


@router.post(
    "/recording",
    status_code=status.HTTP_201_CREATED,
    response_model=VoiceRecording,
    summary="Upload the voice recording (30–60 s); replaces the current one",
    description=(
        "Multipart (field `file`) or JSON `{audio_base64, mime_type}`. webm/opus, ogg/opus, "
        "mp4/m4a/aac, mp3, wav and flac are accepted, recognised from the file itself. "
        "201 when stored, 200 when the identical file was already the current recording "
        "(a failed analysis of it is then tried again). "
        "The voice analysis runs afterwards: follow `analysis.status` with GET."
    ),
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {"model": VoiceRecording, "description": "The identical recording is already stored."},
        **error_responses(
            *AUTH_ERRORS,
            RecordingTooLarge,
            RecordingContentTypeUnsupported,
            RecordingFormatUnsupported,
            RecordingFileMissing,
            RecordingBase64Invalid,
            RecordingUnreadable,
            RecordingDecodeTimeout,
            RecordingTooShort,
            RecordingTooLong,
            RecordingMostlySilent,
            RecordingTooQuiet,
            RecordingClipped,
            RecordingNoSpeech,
            RecordingUploadConflict,
        ),
    },
)
async def upload_recording(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    user: CurrentUser,
    session: DbSession,
    intake: Intake,
) -> VoiceRecording:
    data = await read_upload(request, intake.max_bytes)
    outcome = await service.upload(session, intake, user.id, data)
    if outcome.changed or outcome.analyse:
        # Background tasks run after the response, so after the request's commit: the old
        # file is removed and the analysis starts only once the new row is durable.
        background.add_task(tasks.after_upload, intake, outcome)
    if not outcome.changed:
        response.status_code = status.HTTP_200_OK
    return service.to_schema(outcome.recording)


@router.get(
    "/recording",
    response_model=VoiceRecording,
    summary="Metadata of the current recording (never its audio)",
    responses=error_responses(*AUTH_ERRORS, VoiceRecordingNotFound),
)
async def get_recording(user: CurrentUser, session: DbSession) -> VoiceRecording:
    return service.to_schema(await service.current(session, user.id))


@router.delete(
    "/recording",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the recording and its analysis",
    responses=error_responses(*AUTH_ERRORS, VoiceRecordingNotFound),
)
async def delete_recording(
    background: BackgroundTasks, user: CurrentUser, session: DbSession, intake: Intake
) -> None:
    file_name = await service.delete(session, user.id)
    background.add_task(tasks.remove_file, intake, file_name)
