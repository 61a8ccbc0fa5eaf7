"""Background work of the recording intake: analysis after upload, and the file sweeper."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import structlog

from newvisions.models import AnalysisStatus
from newvisions.models.base import utcnow
from newvisions.voice_cloning.recording.decoding import ANALYSIS_RATE, decode_stored
from newvisions.voice_cloning.recording.repository import VoiceRecordingRepository
from newvisions.voice_cloning.recording.service import (
    ANALYSIS_FAILED,
    RecordingIntake,
    UploadOutcome,
)

log = structlog.get_logger(__name__)

# A file no row names is removed after this long (an upload may still be about to commit).
ORPHAN_GRACE = timedelta(hours=1)
# A pending analysis not finished after this long (the process died) is run again.
STALE_ANALYSIS = timedelta(minutes=15)


async def after_upload(intake: RecordingIntake, outcome: UploadOutcome) -> None:
    """Runs once the upload has committed: drop the replaced file, then analyse."""
    if outcome.replaced_file is not None:
        await remove_file(intake, outcome.replaced_file)
    if not outcome.analyse:
        return
    recording = outcome.recording
    await analyse(intake, recording.user_id, recording.id, recording.source_sha256)


async def remove_file(intake: RecordingIntake, file_name: str) -> None:
    try:
        await anyio.to_thread.run_sync(intake.storage.remove, file_name)
    except OSError:  # the sweeper retries
        log.warning("voice_recording.file_remove_failed", file_name=file_name, exc_info=True)


async def analyse(
    intake: RecordingIntake, user_id: uuid.UUID, recording_id: uuid.UUID, sha256: str
) -> AnalysisStatus | None:
    """Analyse the stored audio and record the outcome; None when there was nothing to do.

    The outcome is written only if the recording is still the same audio, so a replaced or
    deleted recording never receives a stale profile.
    """
    analyser = intake.analyser
    if analyser is None:
        log.info("voice_recording.analysis_unavailable", user_id=str(user_id))
        return None
    async with intake.session_scope() as session:
        recording = await VoiceRecordingRepository(session).analysis_target(
            user_id, recording_id, sha256
        )
        if recording is None:
            return None
        recording.analysis_started_at = utcnow()
        file_name = recording.file_name
        await session.flush()
    error: str | None = None
    payload: dict[str, Any] | None = None
    try:
        path = str(intake.storage.path(file_name))
        async with intake.analysis_limiter:
            samples = await anyio.to_thread.run_sync(decode_stored, path)
            profile = await anyio.to_thread.run_sync(analyser, samples, ANALYSIS_RATE)
    except Exception:
        log.exception("voice_recording.analysis_failed", user_id=str(user_id))
        status, error = AnalysisStatus.failed, ANALYSIS_FAILED
    else:
        status, payload = AnalysisStatus.ready, profile.model_dump(mode="json")
    async with intake.session_scope() as session:
        stored = await VoiceRecordingRepository(session).record_analysis(
            user_id,
            recording_id,
            sha256,
            status=status,
            analysis=payload,
            error=error,
            finished_at=utcnow(),
        )
    log.info("voice_recording.analysed", user_id=str(user_id), status=status, stored=stored)
    return status if stored else None


async def resume_stale_analyses(intake: RecordingIntake) -> int:
    """Analyses left pending by a process that stopped (or before an analyser was wired)."""
    if intake.analyser is None:
        return 0
    cutoff = utcnow() - STALE_ANALYSIS
    async with intake.session_scope() as session:
        stale = [
            (r.user_id, r.id, r.source_sha256)
            for r in await VoiceRecordingRepository(session).pending_analyses(cutoff)
        ]
    for user_id, recording_id, sha256 in stale:
        await analyse(intake, user_id, recording_id, sha256)
    return len(stale)


@dataclass(frozen=True, slots=True)
class SweepReport:
    removed_of_deleted_accounts: int
    removed_orphans: int


async def sweep_files(intake: RecordingIntake) -> SweepReport:
    """Remove recording files no row names.

    Files of accounts that no longer exist go at once (account deletion cascades the row in
    the database; this removes the audio). Other unnamed files - a replaced file whose
    removal failed, a new file whose upload never committed - go after ORPHAN_GRACE.
    Safe to run in several workers at once.
    """
    storage = intake.storage
    owners: dict[uuid.UUID, str] = {}
    for name in await anyio.to_thread.run_sync(storage.user_dirs):
        with contextlib.suppress(ValueError):
            owners[uuid.UUID(hex=name)] = name
    if not owners:
        return SweepReport(0, 0)
    async with intake.session_scope() as session:
        recordings = VoiceRecordingRepository(session)
        existing = await recordings.existing_users(owners)
        named = await recordings.file_names_of(owners)
    gone = orphans = 0
    for user_id, directory in owners.items():
        if user_id not in existing:
            gone += await anyio.to_thread.run_sync(storage.remove_user_dir, directory)
            continue
        for stored in await anyio.to_thread.run_sync(storage.files, directory):
            file_name = f"{directory}/{stored.name}"
            if file_name != named.get(user_id) and (
                storage.age_s(stored) > ORPHAN_GRACE.total_seconds()
            ):
                await remove_file(intake, file_name)
                orphans += 1
    if gone or orphans:
        log.info("voice_recording.swept", deleted_accounts=gone, orphans=orphans)
    return SweepReport(gone, orphans)


async def maintain(intake: RecordingIntake) -> None:
    """The periodic pass (see utils.periodic): sweep files, then resume stale analyses."""
    await sweep_files(intake)
    await resume_stale_analyses(intake)
