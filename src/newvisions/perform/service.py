"""One perform, end to end, with nothing going back and forth:

    check the value → reserve quota → write the note ∥ create the temporary clone → speak
    → render the memo ∥ delete the clone → record memo + commit quota + result (one transaction;
    the quota is refunded on any failure before that)

Each step runs in its own short transaction. A perform takes seconds; holding one request
transaction that long would block every other writer on SQLite and hold a connection for
nothing on PostgreSQL (decision 0012).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import anyio
import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.audio import service as audio_service
from newvisions.config.settings import Settings, VoiceProviderName
from newvisions.content.schemas import Note
from newvisions.content.service import NoteWriter, TransactionalNoteMemory
from newvisions.limits.quota_manager import QuotaManager
from newvisions.models import User, utcnow
from newvisions.models.perform import Perform, PerformStatus
from newvisions.perform.exceptions import IdempotencyKeyReused, PerformInProgress
from newvisions.perform.recovery import PerformLeases
from newvisions.perform.repository import PerformRepository
from newvisions.perform.schemas import (
    PerformAudio,
    PerformCreate,
    PerformResult,
    PerformSummary,
    PerformTimings,
    PerformUsage,
)
from newvisions.users.schemas import UserSettings
from newvisions.users.settings_codec import read_settings
from newvisions.utils.errors import AppError
from newvisions.voice_cloning.dependencies import VoiceCloning
from newvisions.voice_cloning.exceptions import ProviderQuotaExceeded, VoiceProviderUnavailable
from newvisions.voice_cloning.providers.base import Speech, SpeechRequest, VoiceSample
from newvisions.voice_cloning.service import CloneService, SampleLoader

log = structlog.get_logger(__name__)

STAGE_SECONDS = Histogram(
    "nv_perform_stage_seconds",
    "Time spent in each stage of a perform.",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0),
)
PERFORMS = Counter("nv_performs_total", "Performs by outcome (ok or an error code).", ["outcome"])

OFFLINE_MODEL = "offline"


StageListener = Callable[[str], None]


@dataclass
class _Stopwatch:
    on_stage: StageListener | None = None
    started: float = field(default_factory=time.perf_counter)
    stages: dict[str, float] = field(default_factory=dict)

    def record(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + seconds
        STAGE_SECONDS.labels(name).observe(seconds)

    def entering(self, name: str) -> None:
        if self.on_stage is not None:
            self.on_stage(name)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.entering(name)
        began = time.perf_counter()
        try:
            yield
        finally:
            self.record(name, time.perf_counter() - began)

    def timings(self) -> PerformTimings:
        ms = {name: round(seconds * 1000, 1) for name, seconds in self.stages.items()}
        return PerformTimings(
            text=ms.get("text", 0.0),
            clone=ms.get("clone", 0.0),
            speech=ms.get("speech", 0.0),
            render=ms.get("render", 0.0),
            total=round((time.perf_counter() - self.started) * 1000, 1),
        )


def request_fingerprint(payload: PerformCreate) -> str:
    """Same body → same hash, whatever the key order or whitespace of the JSON sent."""
    canonical = json.dumps(payload.model_dump(mode="json", exclude_unset=True), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def effective_settings(user: User, payload: PerformCreate) -> UserSettings:
    settings = read_settings(user.settings)
    if payload.settings_override is None:
        return settings
    changes = payload.settings_override.model_dump(exclude_unset=True)
    return UserSettings.model_validate({**settings.model_dump(), **changes})


class Performer:
    """Built once per app; `perform` is safe to call concurrently."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        note_writer: NoteWriter,
        voice_cloning: VoiceCloning,
        quota: QuotaManager,
        load_sample: SampleLoader,
    ) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._note_writer = note_writer
        self._voice = voice_cloning
        self._quota = quota
        self._load_sample = load_sample
        # A running perform's sign of life: without it, a crash recovery fails the perform.
        self._leases = PerformLeases(voice_cloning.coordinator, settings.voice_slot_lease_s)

    @property
    def speech_model(self) -> str:
        if self.settings.voice_provider is VoiceProviderName.elevenlabs:
            return self.settings.elevenlabs_model_id
        return OFFLINE_MODEL

    async def perform(
        self,
        user: User,
        payload: PerformCreate,
        *,
        request_id: str,
        idempotency_key: str | None,
        inline: bool = False,
        on_stage: StageListener | None = None,
    ) -> PerformResult:
        fingerprint = request_fingerprint(payload)
        new_id = uuid.uuid4()
        await self._leases.take(new_id)  # before the row: recovery reads rows, then leases
        try:
            replay = await self._begin(
                user, payload, request_id, idempotency_key, fingerprint, new_id
            )
        except BaseException:
            await self._leases.drop(new_id)
            raise
        if replay != new_id:
            await self._leases.drop(new_id)
        if isinstance(replay, PerformResult):
            return await self._with_inline(replay, user.id) if inline else replay
        perform_id = replay
        async with self._leases.kept(perform_id):
            try:
                result = await self._run(user, payload, perform_id, request_id, on_stage)
            except BaseException as exc:
                code = exc.code if isinstance(exc, AppError) else "internal_error"
                with anyio.CancelScope(shield=True):
                    await self._finish_failed(perform_id, code)
                PERFORMS.labels(code).inc()
                log.warning("perform.failed", perform_id=str(perform_id), error=code)
                raise
        PERFORMS.labels("ok").inc()
        return await self._with_inline(result, user.id) if inline else result

    # ------------------------------------------------------------------ the pipeline

    async def _run(
        self,
        user: User,
        payload: PerformCreate,
        perform_id: uuid.UUID,
        request_id: str,
        on_stage: StageListener | None,
    ) -> PerformResult:
        clock = _Stopwatch(on_stage)
        settings = effective_settings(user, payload)
        # Before anything is reserved or created: a refused value or no recording
        # (409 voice_recording_missing) costs nothing.
        self._note_writer.check_value(payload.routine, payload.value, settings.voice_language)
        sample = await self._load_sample(user.id)
        clones = self._voice.clones
        if clones is None:
            raise VoiceProviderUnavailable("No voice service is configured on this server.")
        model = self.speech_model
        estimate = self._quota.billed(self.settings.note_max_chars, model)
        async with self._quota.hold(user.id, estimate, request_id=request_id, model=model) as held:
            # The note is written while the temporary voice is being created: the slower of
            # the two sets the pace, not their sum.
            writing = asyncio.create_task(self._write_note(user.id, payload, settings, clock))
            try:
                memo, voice_source = await self._voice_memo(
                    clones, user.id, request_id, sample, writing, settings, perform_id, clock
                )
            finally:
                writing.cancel()  # a no-op once it is done; collects its error if it failed
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await writing
            note = writing.result()  # the speech needed it: done by now
            billed_model = OFFLINE_MODEL if voice_source == OFFLINE_MODEL else model
            charged = self._quota.billed(note.text, billed_model)
            try:
                # The memo's record, the charge and the perform's result: one transaction.
                async with self._quota.committing(held, charged) as (session, usage):
                    result = PerformResult(
                        perform_id=perform_id,
                        text=note.text,
                        spoken_value=note.spoken_value,
                        routine=payload.routine,
                        language=settings.voice_language,
                        audio=PerformAudio.model_validate(memo.out.model_dump()),
                        usage=PerformUsage(
                            used=usage.used, limit=usage.limit, remaining=usage.remaining
                        ),
                        voice_source=voice_source,
                        text_source=note.provider,
                        timings_ms=clock.timings(),
                        replayed=False,
                        audio_base64=None,
                    )
                    await audio_service.record_memo(session, memo)
                    await PerformRepository(session).finish(
                        perform_id,
                        status=PerformStatus.succeeded,
                        now=utcnow(),
                        text=note.text,
                        audio_id=memo.audio.id,
                        result=result.model_dump(mode="json", exclude={"audio_base64"}),
                    )
            except BaseException:
                audio_service.discard_memo(memo)
                raise
        log.info(
            "perform.finished",
            perform_id=str(perform_id),
            user_id=str(user.id),
            request_id=request_id,
            routine=payload.routine,
            chars=len(note.text),
            voice_source=voice_source,
            text_source=note.provider,
            timings_ms=result.timings_ms.model_dump(),
            outcome="ok",
        )
        return result

    async def _write_note(
        self, user_id: uuid.UUID, payload: PerformCreate, settings: UserSettings, clock: _Stopwatch
    ) -> Note:
        with clock.stage("text"):
            return await self._note_writer.write_note(
                payload.routine,
                payload.value,
                settings.voice_language,
                memory=TransactionalNoteMemory(self._sessionmaker, user_id),
            )

    async def _voice_memo(
        self,
        clones: CloneService,
        user_id: uuid.UUID,
        request_id: str,
        sample: VoiceSample,
        writing: asyncio.Task[Note],
        settings: UserSettings,
        perform_id: uuid.UUID,
        clock: _Stopwatch,
    ) -> tuple[audio_service.CreatedMemo, str]:
        """The rendered memo and who spoke it: the configured voice provider, or the offline
        engine when the provider is unavailable and the fallback is allowed."""
        try:
            return await self._speak_and_render(
                clones, user_id, request_id, sample, writing, settings, clock
            )
        except (VoiceProviderUnavailable, ProviderQuotaExceeded) as exc:
            if self._voice.fallback is None:
                raise
            log.warning("perform.voice_fallback", perform_id=str(perform_id), error=exc.code)
            return await self._speak_and_render(
                self._voice.fallback, user_id, request_id, sample, writing, settings, clock
            )

    async def _speak_and_render(
        self,
        clones: CloneService,
        user_id: uuid.UUID,
        request_id: str,
        sample: VoiceSample,
        writing: asyncio.Task[Note],
        settings: UserSettings,
        clock: _Stopwatch,
    ) -> tuple[audio_service.CreatedMemo, str]:
        """Speak the note with a temporary clone and render the memo's file.

        The memo renders in a worker thread while the clone is being deleted, so the deletion
        (a provider call and two ledger writes) is not on the spectator's clock.
        """

        async def stored_sample(_user_id: uuid.UUID) -> VoiceSample:
            return sample

        async def render(speech: Speech) -> audio_service.CreatedMemo:
            with clock.stage("render"):
                return await audio_service.render_memo_for(self.settings, user_id, speech, settings)

        clock.entering("clone")
        clone_started = time.perf_counter()
        rendering: asyncio.Task[audio_service.CreatedMemo] | None = None
        try:
            async with clones.temporary_clone(user_id, request_id, stored_sample) as voice:
                clock.record("clone", time.perf_counter() - clone_started)
                note = await writing
                with clock.stage("speech"):
                    speech = await voice.synthesize(
                        SpeechRequest(
                            text=note.text,
                            language=settings.voice_language,
                            speaker_sex=settings.speaker_sex.value,
                            stability=settings.voice_stability,
                            similarity=settings.voice_similarity,
                        )
                    )
                voice_source = voice.source
                rendering = asyncio.create_task(render(speech))
            return await rendering, voice_source
        except BaseException:
            if rendering is not None:
                if not rendering.done():
                    rendering.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    audio_service.discard_memo(await rendering)
            raise

    # ------------------------------------------------------------------ idempotency

    async def _begin(
        self,
        user: User,
        payload: PerformCreate,
        request_id: str,
        key: str | None,
        fingerprint: str,
        perform_id: uuid.UUID,
    ) -> uuid.UUID | PerformResult:
        """A new running perform's id, or the stored result a retry must get back."""
        row = Perform(
            id=perform_id,
            user_id=user.id,
            request_id=request_id[:64],
            idempotency_key=key,
            request_hash=fingerprint,
            routine=payload.routine[:32],
            language=effective_settings(user, payload).voice_language,
        )
        try:
            async with self._sessionmaker.begin() as session:
                await PerformRepository(session).add(row)
        except IntegrityError:
            if key is None:
                raise
            return await self._resume(user.id, key, fingerprint, request_id)
        return row.id

    async def _resume(
        self, user_id: uuid.UUID, key: str, fingerprint: str, request_id: str
    ) -> uuid.UUID | PerformResult:
        async with self._sessionmaker.begin() as session:
            repository = PerformRepository(session)
            existing = await repository.by_key(user_id, key)
            if existing is None:  # deleted in between: the caller may simply try again
                raise PerformInProgress()
            if existing.request_hash != fingerprint:
                raise IdempotencyKeyReused()
            if existing.status == PerformStatus.succeeded and existing.result is not None:
                return await self._replay(session, existing)
            if existing.status == PerformStatus.failed:
                # Leased before it is running again; a retry that loses the race below leaves
                # the lease to expire rather than drop the winner's.
                await self._leases.take(existing.id)
                if await repository.restart_failed(existing.id, request_id):
                    return existing.id
        raise PerformInProgress(headers={"Retry-After": "2"})

    async def _replay(self, session: AsyncSession, perform: Perform) -> PerformResult:
        assert perform.result is not None
        result = PerformResult.model_validate(
            {**perform.result, "replayed": True, "audio_base64": None}
        )
        audio = (
            await PerformRepository(session).audio(perform.user_id, perform.audio_id)
            if perform.audio_id
            else None
        )
        if audio is not None:  # links are short-lived: sign a fresh one
            fresh = audio_service.describe(self.settings, audio)
            result.audio = PerformAudio.model_validate(fresh.model_dump())
        return result

    async def _finish_failed(self, perform_id: uuid.UUID, code: str) -> None:
        try:
            async with self._sessionmaker.begin() as session:
                await PerformRepository(session).finish(
                    perform_id, status=PerformStatus.failed, now=utcnow(), error_code=code
                )
        except Exception:  # the original error is the one the client must see
            log.warning("perform.finish_failed_not_recorded", perform_id=str(perform_id))

    async def _with_inline(self, result: PerformResult, user_id: uuid.UUID) -> PerformResult:
        async with self._sessionmaker() as session:
            audio = await PerformRepository(session).audio(user_id, result.audio.id)
            if audio is None:
                return result
            path = audio_service.storage_for(self.settings).resolve(audio.path)
        data = await anyio.Path(path).read_bytes()
        return result.model_copy(update={"audio_base64": base64.b64encode(data).decode()})

    # ------------------------------------------------------------------ the memo list

    async def recent(
        self, session: AsyncSession, user_id: uuid.UUID, limit: int
    ) -> list[PerformSummary]:
        now = utcnow()
        summaries = []
        for perform, audio in await PerformRepository(session).recent_with_audio(user_id, limit):
            live = audio is not None and audio.expires_at > now
            summaries.append(
                PerformSummary(
                    perform_id=perform.id,
                    text=perform.text or "",
                    routine=perform.routine,
                    language=perform.language,
                    created_at=perform.created_at,
                    audio=PerformAudio.model_validate(
                        audio_service.describe(self.settings, audio, now=now).model_dump()
                    )
                    if live and audio is not None
                    else None,
                )
            )
        return summaries
