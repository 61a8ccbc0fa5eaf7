"""Recording intake: one current recording per performer, validated, normalised, private."""

from __future__ import annotations

import hashlib
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import numpy as np
import numpy.typing as npt
import structlog
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import SessionTransaction

from newvisions.config.settings import Settings, get_settings
from newvisions.models import AnalysisStatus, User
from newvisions.models import VoiceRecording as VoiceRecordingRow
from newvisions.models.base import utcnow
from newvisions.users.service import on_account_deletion
from newvisions.voice_cloning.exceptions import VoiceRecordingMissing
from newvisions.voice_cloning.providers.base import VoiceProfile, VoiceSample
from newvisions.voice_cloning.recording import schemas
from newvisions.voice_cloning.recording.decoding import (
    STORE_RATE,
    DecodeLimits,
    decode_recording,
    encode_flac,
)
from newvisions.voice_cloning.recording.exceptions import (
    RecordingTooLarge,
    RecordingUploadConflict,
    VoiceRecordingNotFound,
)
from newvisions.voice_cloning.recording.quality import (
    DurationPolicy,
    QualityMetrics,
    judge,
    measure,
)
from newvisions.voice_cloning.recording.repository import VoiceRecordingRepository
from newvisions.voice_cloning.recording.storage import STORED_MIME_TYPE, RecordingStorage

log = structlog.get_logger(__name__)

# What upload-time analysis is: mono float32 samples and their rate in, a profile out.
# Blocking; it runs in a worker thread after the upload has committed.
Analyser = Callable[[npt.NDArray[np.float32], int], VoiceProfile]
SessionScope = Callable[[], AbstractAsyncContextManager[AsyncSession]]

PEAK_TARGET = 10 ** (-1 / 20)  # stored audio peaks at -1 dBFS
MAX_GAIN = 10.0  # +20 dB at most, so a quiet room's noise is not pumped up
ANALYSIS_FAILED = "The analysis of this recording failed. Upload the recording again."


def transaction_scope(sessionmaker: async_sessionmaker[AsyncSession]) -> SessionScope:
    """One committed transaction per use, for work that runs outside a request."""

    @asynccontextmanager
    async def scope() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session, session.begin():
            yield session

    return scope


# The storages of the apps in this process, for the account-deletion hook (which is given
# only a session and a user).
_live_storages: weakref.WeakSet[RecordingStorage] = weakref.WeakSet()


class RecordingIntake:
    """Everything the intake needs that outlives a request (one per app, in app.state)."""

    def __init__(
        self,
        settings: Settings,
        session_scope: SessionScope,
        analyser: Analyser | None = None,
    ) -> None:
        self.storage = RecordingStorage(settings.data_dir)
        _live_storages.add(self.storage)
        self.max_bytes = settings.recording_max_bytes
        self.limits = DecodeLimits(
            max_seconds=settings.recording_max_seconds,
            timeout_s=settings.recording_decode_timeout_seconds,
        )
        self.durations = DurationPolicy(
            min_seconds=settings.recording_min_seconds,
            max_seconds=settings.recording_max_seconds,
        )
        self.session_scope = session_scope
        # Wired by the app (or a test); None leaves new recordings "pending".
        self.analyser = analyser
        self._decode_slots = settings.recording_decode_concurrency
        self._decode_limiter: anyio.CapacityLimiter | None = None
        self._analysis_limiter: anyio.CapacityLimiter | None = None

    @property
    def decode_limiter(self) -> anyio.CapacityLimiter:
        """Bounds the memory and CPU of concurrent uploads (created inside the event loop)."""
        if self._decode_limiter is None:
            self._decode_limiter = anyio.CapacityLimiter(self._decode_slots)
        return self._decode_limiter

    @property
    def analysis_limiter(self) -> anyio.CapacityLimiter:
        if self._analysis_limiter is None:
            self._analysis_limiter = anyio.CapacityLimiter(1)
        return self._analysis_limiter


@dataclass(frozen=True, slots=True)
class ProcessedRecording:
    format: str
    codec: str
    duration_s: float
    metrics: QualityMetrics
    flac: bytes


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    recording: VoiceRecordingRow
    changed: bool  # False: the identical file was already stored
    replaced_file: str | None  # the previous file, to remove once the change has committed
    analyse: bool  # run the analysis once this has committed


def normalise(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Remove DC and bring the peak to -1 dBFS (gain capped): one consistent level to clone from."""
    centred = samples - np.float32(np.mean(samples)) if samples.size else samples
    peak = float(np.max(np.abs(centred))) if centred.size else 0.0
    if peak <= 0.0:
        return centred
    gain = min(PEAK_TARGET / peak, MAX_GAIN)
    return (centred * np.float32(gain)).astype(np.float32)


def process_recording(
    data: bytes, limits: DecodeLimits, durations: DurationPolicy
) -> ProcessedRecording:
    """Decode, measure, judge and encode the stored copy. Blocking: run it in a thread."""
    decoded = decode_recording(data, limits)
    metrics = measure(decoded)
    judge(metrics, durations)
    return ProcessedRecording(
        format=decoded.format,
        codec=decoded.codec,
        duration_s=decoded.duration_s,
        metrics=metrics,
        flac=encode_flac(normalise(decoded.store_samples), STORE_RATE),
    )


async def upload(
    session: AsyncSession, intake: RecordingIntake, user_id: uuid.UUID, data: bytes
) -> UploadOutcome:
    """Validate and store `data` as the user's recording, replacing the previous one.

    The new file is written before the row changes and the old file is only named in the
    outcome: the caller removes it after the commit, so a failure at any point loses nothing
    (a new file whose row never committed is left to the sweeper).
    """
    if len(data) > intake.max_bytes:
        raise RecordingTooLarge()
    sha256 = hashlib.sha256(data).hexdigest()
    recordings = VoiceRecordingRepository(session)
    current = await recordings.for_user(user_id)
    if current is not None and current.source_sha256 == sha256:
        return await _unchanged(recordings, current)

    processed = await anyio.to_thread.run_sync(
        process_recording, data, intake.limits, intake.durations, limiter=intake.decode_limiter
    )
    file_name = intake.storage.file_name_for(user_id, uuid.uuid4())
    await anyio.to_thread.run_sync(intake.storage.write, file_name, processed.flac)
    try:
        outcome = await _save(recordings, user_id, file_name, sha256, len(data), processed)
    except BaseException:
        # Synchronous on purpose: one unlink, and it must happen even when cancelled.
        intake.storage.remove(file_name)
        raise
    if not outcome.changed:  # an identical upload committed while we were decoding
        await anyio.to_thread.run_sync(intake.storage.remove, file_name)
    log.info(
        "voice_recording.stored",
        user_id=str(user_id),
        changed=outcome.changed,
        duration_s=round(processed.duration_s, 2),
        source_format=processed.format,
        source_codec=processed.codec,
        stored_bytes=len(processed.flac),
    )
    return outcome


async def _save(
    recordings: VoiceRecordingRepository,
    user_id: uuid.UUID,
    file_name: str,
    sha256: str,
    source_bytes: int,
    processed: ProcessedRecording,
) -> UploadOutcome:
    fields = {
        "file_name": file_name,
        "mime_type": STORED_MIME_TYPE,
        "sample_rate": STORE_RATE,
        "stored_bytes": len(processed.flac),
        "source_sha256": sha256,
        "source_format": processed.format,
        "source_codec": processed.codec,
        "source_bytes": source_bytes,
        "duration_s": processed.duration_s,
        "quality": processed.metrics.as_dict(),
        "analysis_status": AnalysisStatus.pending,
        "analysis": None,
        "analysis_error": None,
        "analysis_started_at": None,
        "analysis_finished_at": None,
        "uploaded_at": utcnow(),
    }
    current = await recordings.for_user(user_id, lock=True)
    if current is None:
        try:
            row = VoiceRecordingRow(user_id=user_id, **fields)
            await recordings.add(row)
        except IntegrityError as exc:  # a concurrent first upload of the same user won
            raise RecordingUploadConflict() from exc
        return UploadOutcome(row, changed=True, replaced_file=None, analyse=True)
    if current.source_sha256 == sha256:
        return await _unchanged(recordings, current)
    replaced = current.file_name
    for name, value in fields.items():
        setattr(current, name, value)
    await recordings.session.flush()
    return UploadOutcome(current, changed=True, replaced_file=replaced, analyse=True)


async def _unchanged(
    recordings: VoiceRecordingRepository, current: VoiceRecordingRow
) -> UploadOutcome:
    """The identical file again: nothing to store; a failed analysis is tried once more."""
    retry = current.analysis_status == AnalysisStatus.failed
    if retry:
        current.analysis_status = AnalysisStatus.pending
        current.analysis_error = None
        current.analysis_started_at = None
        current.analysis_finished_at = None
        await recordings.session.flush()
    return UploadOutcome(current, changed=False, replaced_file=None, analyse=retry)


async def current(session: AsyncSession, user_id: uuid.UUID) -> VoiceRecordingRow:
    recording = await VoiceRecordingRepository(session).for_user(user_id)
    if recording is None:
        raise VoiceRecordingNotFound()
    return recording


async def delete(session: AsyncSession, user_id: uuid.UUID) -> str:
    """Delete the user's recording row; returns the file to remove once that has committed."""
    recordings = VoiceRecordingRepository(session)
    recording = await recordings.for_user(user_id, lock=True)
    if recording is None:
        raise VoiceRecordingNotFound()
    file_name = recording.file_name
    await recordings.delete(recording)
    log.info("voice_recording.deleted", user_id=str(user_id))
    return file_name


def to_schema(recording: VoiceRecordingRow) -> schemas.VoiceRecording:
    summary = None
    if recording.analysis_status == AnalysisStatus.ready and recording.analysis is not None:
        profile = VoiceProfile.model_validate(recording.analysis)
        summary = schemas.AnalysisSummary(
            f0_median_hz=profile.f0_median_hz,
            voiced_ratio=profile.voiced_ratio,
            base_voices=profile.base_voices,
        )
    quality = {k: v for k, v in recording.quality.items() if k != "duration_s"}
    return schemas.VoiceRecording(
        duration_s=round(recording.duration_s, 3),
        uploaded_at=recording.uploaded_at,
        source_format=recording.source_format,
        source_codec=recording.source_codec,
        stored_format="flac",
        stored_sample_rate=recording.sample_rate,
        quality=schemas.RecordingQuality.model_validate(quality),
        analysis=schemas.RecordingAnalysis(
            status=AnalysisStatus(recording.analysis_status).value,
            started_at=recording.analysis_started_at,
            finished_at=recording.analysis_finished_at,
            summary=summary,
            error=recording.analysis_error,
        ),
    )


async def load_voice_sample(
    session: AsyncSession, user_id: uuid.UUID, *, data_dir: Path | None = None
) -> VoiceSample | None:
    """The user's stored recording and profile for the clone workflow; None when there is none.

    The profile is None until the analysis is ready. `data_dir` defaults to NV_DATA_DIR.
    """
    storage = RecordingStorage(data_dir if data_dir is not None else get_settings().data_dir)
    return await _load_sample(session, storage, user_id)


async def _load_sample(
    session: AsyncSession, storage: RecordingStorage, user_id: uuid.UUID
) -> VoiceSample | None:
    recording = await VoiceRecordingRepository(session).for_user(user_id)
    return await _sample_from(storage, recording, user_id)


async def _sample_from(
    storage: RecordingStorage, recording: VoiceRecordingRow | None, user_id: uuid.UUID
) -> VoiceSample | None:
    if recording is None:
        return None
    try:
        audio = await anyio.to_thread.run_sync(storage.read, recording.file_name)
    except FileNotFoundError:
        log.error("voice_recording.file_missing", user_id=str(user_id))  # noqa: TRY400
        return None
    profile = None
    if recording.analysis_status == AnalysisStatus.ready and recording.analysis is not None:
        profile = VoiceProfile.model_validate(recording.analysis)
    return VoiceSample(audio=audio, mime_type=recording.mime_type, profile=profile)


def sample_loader(intake: RecordingIntake) -> Callable[[uuid.UUID], Awaitable[VoiceSample]]:
    """The clone workflow's `SampleLoader`: the sample, or `VoiceRecordingMissing` (409)."""

    async def load(user_id: uuid.UUID) -> VoiceSample:
        async with intake.session_scope() as session:
            recording = await VoiceRecordingRepository(session).for_user(user_id)
        # The file is read after the transaction: on SQLite it holds the write lock, and
        # every other perform's writes would queue behind this read.
        sample = await _sample_from(intake.storage, recording, user_id)
        if sample is None:
            raise VoiceRecordingMissing()
        return sample

    return load


@on_account_deletion("voice_recording")
async def forget_with_account(session: AsyncSession, user: User) -> None:
    """Account deletion: the row goes in the deletion's transaction, the files once it commits.

    If the deletion rolls back nothing is lost; if the process dies between the commit and
    the removal, the sweeper removes the folder of the account that no longer exists.
    """
    recordings = VoiceRecordingRepository(session)
    recording = await recordings.for_user(user.id, lock=True)
    if recording is not None:
        await recordings.delete(recording)
    folder = user.id.hex
    storages = list(_live_storages)
    pending = True  # until the session's outermost transaction ends, one way or the other

    def remove_files(_session: object) -> None:
        nonlocal pending
        if not pending:
            return
        pending = False
        for storage in storages:
            try:
                storage.remove_user_dir(folder)
            except OSError:
                log.warning("voice_recording.account_files_left", user_id=str(user.id))

    def transaction_ended(_session: object, transaction: SessionTransaction) -> None:
        nonlocal pending
        if transaction.parent is None:  # committed (files already gone) or rolled back
            pending = False

    event.listen(session.sync_session, "after_commit", remove_files)
    event.listen(session.sync_session, "after_transaction_end", transaction_ended)
