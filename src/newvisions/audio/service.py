"""Rendering memos into private storage, serving them to their owner, and expiring them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import structlog
from prometheus_client import Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.audio import links
from newvisions.audio.exceptions import (
    AudioExpired,
    AudioLinkInvalid,
    AudioNotFound,
    AudioRenderFailed,
)
from newvisions.audio.memo import memo_spec, render_memo
from newvisions.audio.repository import AudioRepository
from newvisions.audio.schemas import AudioLink, GeneratedAudioOut
from newvisions.audio.storage import AudioStorage
from newvisions.config.constants import API_PREFIX
from newvisions.config.settings import AudioFormat, Settings
from newvisions.models import GeneratedAudio
from newvisions.users.schemas import UserSettings
from newvisions.voice_cloning.providers.base import Speech

log = structlog.get_logger(__name__)

RENDER_SECONDS = Histogram(
    "nv_audio_render_seconds",
    "Time to render and encode one voice memo, by container format.",
    ["format"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0),
)

PURGE_BATCH = 500
# A file this old without a row (a crash between writing and committing, or an account
# deleted with its rows) is removed; partial files get an hour to finish.
PARTIAL_FILE_GRACE = timedelta(hours=1)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def storage_for(settings: Settings) -> AudioStorage:
    return AudioStorage.in_data_dir(settings.data_dir)


def signed_link(
    settings: Settings, audio: GeneratedAudio, *, now: datetime | None = None
) -> AudioLink:
    now = _now(now)
    ttl = timedelta(seconds=settings.audio_link_ttl_seconds)
    token, expires_at = links.sign(
        audio.id, audio.user_id, settings.jwt_secret_value, now=now, ttl=ttl
    )
    # A link never outlives the file it points to.
    return AudioLink(
        url=f"{API_PREFIX}/audio/{audio.id}?token={token}",
        expires_at=min(expires_at, audio.expires_at),
    )


def describe(
    settings: Settings, audio: GeneratedAudio, *, now: datetime | None = None
) -> GeneratedAudioOut:
    link = signed_link(settings, audio, now=now)
    return GeneratedAudioOut(
        id=audio.id,
        url=link.url,
        url_expires_at=link.expires_at,
        mime=audio.mime,
        duration_s=round(audio.duration_s, 3),
        title=audio.title,
        date=audio.memo_date,
        created_at=audio.created_at,
        expires_at=audio.expires_at,
    )


@dataclass(frozen=True, slots=True)
class CreatedMemo:
    audio: GeneratedAudio
    path: Path
    out: GeneratedAudioOut


async def render_memo_for(
    settings: Settings,
    user_id: uuid.UUID,
    speech: Speech,
    user_settings: UserSettings,
    *,
    fmt: AudioFormat | None = None,
    now: datetime | None = None,
    rng: np.random.Generator | None = None,
) -> CreatedMemo:
    """Render and store the memo's file; `record_memo` then records it in a transaction of
    the caller's (no database work here, so rendering holds no connection or lock)."""
    now = _now(now)
    spec = memo_spec(
        user_settings,
        fmt=fmt or settings.audio_format,
        target_lufs=settings.audio_target_lufs,
        now=now,
    )
    storage = storage_for(settings)
    audio_id = uuid.uuid4()
    relative = storage.relative_path(user_id, audio_id, spec.fmt.value)
    partial = storage.partial_path(relative)
    try:
        with RENDER_SECONDS.labels(spec.fmt.value).time():
            layout = await render_memo(speech, spec, partial, rng)
        path = storage.finish(partial)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        log.exception("audio.render_failed", user_id=str(user_id), format=spec.fmt.value)
        raise AudioRenderFailed() from exc
    audio = GeneratedAudio(
        id=audio_id,
        user_id=user_id,
        path=relative,
        mime=spec.mime,
        duration_s=layout.duration_s,
        size_bytes=path.stat().st_size,
        title=spec.title,
        memo_date=spec.memo_date,
        created_at=now,
        expires_at=now + timedelta(hours=settings.audio_ttl_hours),
    )
    log.info(
        "audio.rendered",
        user_id=str(user_id),
        audio_id=str(audio_id),
        format=spec.fmt.value,
        duration_s=round(layout.duration_s, 2),
        size_bytes=audio.size_bytes,
        background=spec.background_volume is not None,
    )
    return CreatedMemo(audio=audio, path=path, out=describe(settings, audio, now=now))


async def record_memo(session: AsyncSession, memo: CreatedMemo) -> None:
    await AudioRepository(session).add(memo.audio)


def discard_memo(memo: CreatedMemo) -> None:
    """Remove a rendered file whose record was never committed."""
    memo.path.unlink(missing_ok=True)


def owner_from_link(settings: Settings, audio_id: uuid.UUID, token: str) -> uuid.UUID:
    owner = links.verify(token, audio_id, settings.jwt_secret_value)
    if owner is None:
        raise AudioLinkInvalid()
    return owner


async def owned_memo(
    session: AsyncSession,
    user_id: uuid.UUID,
    audio_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> GeneratedAudio:
    """The user's memo; someone else's memo does not exist for them (404, never 403)."""
    audio = await AudioRepository(session).owned(user_id, audio_id)
    if audio is None:
        raise AudioNotFound()
    if audio.expires_at <= _now(now):
        raise AudioExpired()
    return audio


async def memo_file(
    session: AsyncSession,
    settings: Settings,
    user_id: uuid.UUID,
    audio_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> tuple[GeneratedAudio, Path]:
    audio = await owned_memo(session, user_id, audio_id, now=now)
    path = storage_for(settings).resolve(audio.path)
    if not path.is_file():
        log.warning("audio.file_missing", audio_id=str(audio_id))
        raise AudioNotFound()
    return audio, path


async def delete_memo(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, audio_id: uuid.UUID
) -> None:
    audio = await AudioRepository(session).owned(user_id, audio_id)
    if audio is None or not await AudioRepository(session).delete_owned(user_id, audio_id):
        raise AudioNotFound()
    storage_for(settings).delete(audio.path)
    log.info("audio.deleted", user_id=str(user_id), audio_id=str(audio_id))


@dataclass(frozen=True, slots=True)
class PurgeReport:
    expired: int
    orphans: int


async def purge_expired(
    session: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> PurgeReport:
    """Delete expired memos (rows and files), the folders of deleted accounts, and files
    that no row explains once they are older than the TTL."""
    now = _now(now)
    storage = storage_for(settings)
    repository = AudioRepository(session)
    expired = orphans = 0
    while batch := await repository.expired(now, PURGE_BATCH):
        # Files first: if the transaction then fails, the rows are found again next time.
        for audio in batch:
            storage.delete(audio.path)
        expired += await repository.delete_ids([audio.id for audio in batch])
        if len(batch) < PURGE_BATCH:
            break

    # A deleted account's rows went with it (ON DELETE CASCADE); its folder goes now.
    folders = dict(storage.user_folders())
    for owner in folders.keys() - await repository.existing_users(folders.keys()):
        orphans += storage.remove_folder(folders[owner])

    ttl_cutoff = (now - timedelta(hours=settings.audio_ttl_hours)).timestamp()
    partial_cutoff = (now - PARTIAL_FILE_GRACE).timestamp()
    candidates = [
        stored
        for stored in storage.files()
        if stored.modified_at
        < (partial_cutoff if stored.relative.endswith(".part") else ttl_cutoff)
    ]
    known = await repository.existing_ids({stored.audio_id for stored in candidates})
    for stored in candidates:
        if stored.audio_id not in known or stored.relative.endswith(".part"):
            stored.path.unlink(missing_ok=True)
            orphans += 1
    if expired or orphans:
        log.info("audio.purged", expired=expired, orphans=orphans)
    return PurgeReport(expired=expired, orphans=orphans)
