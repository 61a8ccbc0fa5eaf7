"""The ephemeral voice clone: no provider voice outlives the perform that needed it.

    async with clones.temporary_clone(user_id, request_id, load_sample) as voice:
        speech = await voice.synthesize(request)

Order of events, each step committed before the next provider call:
per-user lock → account-wide slot lease → ledger row `creating` → provider create (named
`nv-<ledger id>`) → row `active` + `users.voice_clone_id` → the caller's block → row
`deleting` → provider delete → row `deleted` + mirror cleared (or `delete_failed` + WARN).
The ledger is written in its own short transactions, not in the request's: a row must be
committed before the provider call it announces, whatever happens to the request afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.config.settings import Settings
from newvisions.models import CloneStatus, VoiceClone
from newvisions.models.base import utcnow
from newvisions.models.voice_clone import voice_name_for
from newvisions.utils.errors import AppError, ServiceUnavailable
from newvisions.voice_cloning import metrics
from newvisions.voice_cloning.coordination import CloneCoordinator
from newvisions.voice_cloning.exceptions import (
    ProviderQuotaExceeded,
    VoiceLimitReached,
    VoiceSlotsBusy,
)
from newvisions.voice_cloning.providers.base import (
    Speech,
    SpeechRequest,
    VoiceProvider,
    VoiceSample,
)
from newvisions.voice_cloning.repository import CloneLedgerRepository

log = structlog.get_logger(__name__)

# Where the performer's recording comes from (the recording intake wires its loader in);
# it raises VoiceRecordingMissing when there is none.
SampleLoader = Callable[[uuid.UUID], Awaitable[VoiceSample]]

LIMIT_RETRY_S = 0.25  # pause before creating again after the provider said "slots full"
DEFAULT_RETRY_AFTER_S = 5


@dataclass(frozen=True, slots=True)
class ClonePolicy:
    slot_wait_s: float
    lease_s: float
    slot_reserve: int
    capacity_refresh_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ClonePolicy:
        return cls(
            slot_wait_s=settings.voice_slot_wait_s,
            lease_s=settings.voice_slot_lease_s,
            slot_reserve=settings.voice_slot_reserve,
            capacity_refresh_s=settings.voice_capacity_refresh_s,
        )


@dataclass(slots=True)
class _Held:
    """What one perform holds in the coordinator (renewed by its heartbeat)."""

    user_key: str
    token: str
    lease_id: str | None = None
    # Set when the perform is done. The heartbeat stops on it, not only on being cancelled:
    # redis-py's asyncio client can swallow a cancellation that arrives mid-command, and the
    # heartbeat would then renew (and the perform wait for it) forever.
    finished: bool = False


@dataclass(frozen=True, slots=True)
class TemporaryVoice:
    """A provider voice that exists only inside `temporary_clone`."""

    clone_id: uuid.UUID
    voice_id: str
    provider: VoiceProvider

    @property
    def source(self) -> str:
        return self.provider.name

    async def synthesize(self, request: SpeechRequest) -> Speech:
        return await self.provider.synthesize(self.voice_id, request)


class SlotCapacity:
    """How many voices we may hold: provider limit − voices that are not ours − reserve.

    "Not ours" is the provider's used count minus our live leases, read together; the value
    is cached and re-read every `refresh_s` (or at once when the provider says it is full).
    """

    def __init__(
        self,
        provider: VoiceProvider,
        coordinator: CloneCoordinator,
        *,
        reserve: int,
        refresh_s: float,
    ) -> None:
        self._provider = provider
        self._coordinator = coordinator
        self._reserve = reserve
        self._refresh_s = refresh_s
        self._value: int | None = None
        self._read_at = -math.inf
        self._lock = asyncio.Lock()

    async def current(self, *, force: bool = False) -> int:
        if not force and self._value is not None and self._fresh():
            return self._value
        async with self._lock:
            if not force and self._value is not None and self._fresh():
                return self._value
            try:
                capacity = await self._provider.capacity()
                ours = len(await self._coordinator.live_leases())
            except AppError:
                if self._value is None:
                    raise
                log.warning("voice_clone.capacity_refresh_failed", kept=self._value)
                self._read_at = time.monotonic()
                return self._value
            foreign = max(0, capacity.used - ours)
            self._value = max(0, capacity.limit - foreign - self._reserve)
            self._read_at = time.monotonic()
            log.debug("voice_clone.capacity", capacity=self._value, limit=capacity.limit)
            return self._value

    def _fresh(self) -> bool:
        return time.monotonic() - self._read_at < self._refresh_s


def _error_text(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    prefix = f"{code}: " if code else f"{type(exc).__name__}: "
    return prefix + (str(exc) or "no detail")


def _outcome(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return code
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    return "error"


class CloneService:
    def __init__(
        self,
        *,
        provider: VoiceProvider,
        coordinator: CloneCoordinator,
        sessionmaker: async_sessionmaker[AsyncSession],
        policy: ClonePolicy,
    ) -> None:
        self.provider = provider
        self.coordinator = coordinator
        self._sessionmaker = sessionmaker
        self.policy = policy
        self.capacity = SlotCapacity(
            provider,
            coordinator,
            reserve=policy.slot_reserve,
            refresh_s=policy.capacity_refresh_s,
        )

    @contextlib.asynccontextmanager
    async def temporary_clone(
        self, user_id: uuid.UUID, request_id: str, load_sample: SampleLoader
    ) -> AsyncIterator[TemporaryVoice]:
        """Create a voice for `user_id`, yield it, and delete it whatever happens."""
        waited_from = time.monotonic()
        deadline = waited_from + self.policy.slot_wait_s
        token = uuid.uuid4().hex
        user_key = str(user_id)
        await self._wait(
            lambda: self.coordinator.try_lock_user(user_key, token, self.policy.lease_s),
            deadline,
            waited_from,
            busy_message="Your previous perform is still running. Please try again in a moment.",
        )
        held = _Held(user_key=user_key, token=token)
        heartbeat = asyncio.create_task(self._keep_alive(held))
        try:
            sample = await load_sample(user_id)
            clone_id = uuid.uuid4()
            lease_id = str(clone_id)

            async def take_slot() -> bool:
                capacity = await self.capacity.current()
                return await self.coordinator.try_acquire_slot(
                    lease_id, capacity, self.policy.lease_s
                )

            await self._wait(take_slot, deadline, waited_from)
            held.lease_id = lease_id
            metrics.SLOT_WAIT.labels("ok").observe(time.monotonic() - waited_from)
            try:
                async with self._clone(clone_id, user_id, request_id, sample, deadline) as voice:
                    yield voice
            finally:
                await self._quietly(self.coordinator.release_slot(lease_id), "release_slot")
        finally:
            held.finished = True
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._quietly(self.coordinator.unlock_user(user_key, token), "unlock_user")

    # ------------------------------------------------------------------ one clone's life

    @contextlib.asynccontextmanager
    async def _clone(
        self,
        clone_id: uuid.UUID,
        user_id: uuid.UUID,
        request_id: str,
        sample: VoiceSample,
        deadline: float,
    ) -> AsyncIterator[TemporaryVoice]:
        provider = self.provider.name
        await self._ledger(
            lambda repo: repo.add(
                VoiceClone(
                    id=clone_id,
                    user_id=user_id,
                    request_id=request_id[:64],
                    provider=provider,
                    status=CloneStatus.creating,
                )
            )
        )
        try:
            voice_id = await self._create(clone_id, sample, deadline)
        except BaseException as exc:
            metrics.CLONE_CREATES.labels(provider, _outcome(exc)).inc()
            await asyncio.shield(self._after_failed_create(clone_id, exc))
            log.warning(
                "voice_clone.create_failed",
                clone_id=str(clone_id),
                user_id=str(user_id),
                request_id=request_id,
                provider=provider,
                error=_outcome(exc),
            )
            raise
        metrics.CLONE_CREATES.labels(provider, "ok").inc()
        created_at = utcnow()
        started = time.monotonic()
        metrics.LIVE_CLONES.labels(provider).inc()
        outcome = "ok"
        try:
            await self._ledger(lambda repo: repo.mark_active(clone_id, user_id, voice_id))
            yield TemporaryVoice(clone_id=clone_id, voice_id=voice_id, provider=self.provider)
        except BaseException as exc:
            outcome = _outcome(exc)
            raise
        finally:
            deleted = await asyncio.shield(self._delete(clone_id, voice_id))
            metrics.LIVE_CLONES.labels(provider).dec()
            lifetime = time.monotonic() - started
            metrics.CLONE_LIFETIME.labels(provider).observe(lifetime)
            report = log.info if deleted else log.warning
            report(
                "voice_clone.finished",
                clone_id=str(clone_id),
                user_id=str(user_id),
                request_id=request_id,
                provider=provider,
                voice_id=voice_id,
                clone_created_at=created_at.isoformat(),
                clone_deleted_at=utcnow().isoformat() if deleted else None,
                latency_ms=round(lifetime * 1000, 1),
                outcome=outcome,
                deleted=deleted,
            )

    async def _create(self, clone_id: uuid.UUID, sample: VoiceSample, deadline: float) -> str:
        name = voice_name_for(clone_id)
        while True:
            try:
                return await self.provider.create_voice(name, sample)
            except VoiceLimitReached:
                # Our count was stale (someone else took slots): re-read it and wait a little,
                # within the same bounded wait as the slot itself.
                if time.monotonic() + LIMIT_RETRY_S >= deadline:
                    raise VoiceSlotsBusy(
                        headers={"Retry-After": str(DEFAULT_RETRY_AFTER_S)}
                    ) from None
                await self._quietly(self.capacity.current(force=True), "capacity")
                await asyncio.sleep(LIMIT_RETRY_S)

    async def _after_failed_create(self, clone_id: uuid.UUID, exc: BaseException) -> None:
        """Make sure a failed create left nothing behind, and close the row if so."""
        error = _error_text(exc)
        if isinstance(exc, VoiceLimitReached | VoiceSlotsBusy | ProviderQuotaExceeded):
            # The provider refused before creating anything.
            await self._quietly(self._ledger(lambda r: r.mark_deleted(clone_id, (), error=error)))
            return
        name = voice_name_for(clone_id)
        try:
            leftovers = [v for v in await self.provider.list_voices(name) if v.name == name]
            for voice in leftovers:
                await self.provider.delete_voice(voice.voice_id)
        except AppError as cleanup_error:
            failure = f"{error}; cleanup: {_error_text(cleanup_error)}"
            await self._quietly(self._ledger(lambda r: r.mark_delete_failed(clone_id, failure)))
            return
        ids = [voice.voice_id for voice in leftovers]
        await self._quietly(self._ledger(lambda r: r.mark_deleted(clone_id, ids, error=error)))

    async def _delete(self, clone_id: uuid.UUID, voice_id: str) -> bool:
        """Delete the voice; never raises (a failure is recorded and left to the sweeper)."""
        provider = self.provider.name
        await self._quietly(self._ledger(lambda repo: repo.mark_deleting(clone_id)))
        try:
            await self.provider.delete_voice(voice_id)
        except Exception as exc:
            metrics.CLONE_DELETES.labels(provider, "workflow", "failed").inc()
            error = _error_text(exc)
            log.warning(
                "voice_clone.delete_failed",
                clone_id=str(clone_id),
                provider=provider,
                voice_id=voice_id,
                error=error,
            )
            await self._quietly(self._ledger(lambda repo: repo.mark_delete_failed(clone_id, error)))
            return False
        metrics.CLONE_DELETES.labels(provider, "workflow", "ok").inc()

        async def close(repo: CloneLedgerRepository) -> None:
            await repo.count_attempt(clone_id)
            await repo.mark_deleted(clone_id, [voice_id])

        await self._quietly(self._ledger(close))
        return True

    # ------------------------------------------------------------------ plumbing

    async def _wait(
        self,
        attempt: Callable[[], Awaitable[bool]],
        deadline: float,
        waited_from: float,
        *,
        busy_message: str | None = None,
    ) -> None:
        """Try `attempt` until it succeeds or the deadline passes (then 503 + Retry-After)."""
        while not await self._coordinated(attempt):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                metrics.SLOT_WAIT.labels("busy").observe(time.monotonic() - waited_from)
                raise VoiceSlotsBusy(
                    busy_message, headers={"Retry-After": str(DEFAULT_RETRY_AFTER_S)}
                )
            await self.coordinator.wait_for_release(min(remaining, 1.0))

    async def _coordinated(self, attempt: Callable[[], Awaitable[bool]]) -> bool:
        """One attempt; a coordinator that cannot be reached (Redis down) is a clean 503."""
        try:
            return await attempt()
        except AppError:
            raise
        except Exception as exc:
            log.exception("voice_clone.coordination_failed", error=_error_text(exc))
            raise ServiceUnavailable() from exc

    async def _keep_alive(self, held: _Held) -> None:
        """Renew the user lock (and the slot lease, once taken) while the perform runs."""
        ttl = self.policy.lease_s
        while not held.finished:
            await asyncio.sleep(ttl / 3)
            if held.finished:
                return
            try:
                if held.lease_id is None:
                    renewed = await self.coordinator.try_lock_user(held.user_key, held.token, ttl)
                else:
                    renewed = await self.coordinator.renew(
                        held.lease_id, held.user_key, held.token, ttl
                    )
            except Exception as exc:
                log.warning("voice_clone.lease_renew_failed", error=_error_text(exc))
                continue
            if not renewed and not held.finished:
                log.warning("voice_clone.lease_lost", lease_id=held.lease_id)

    async def _ledger(self, change: Callable[[CloneLedgerRepository], Awaitable[object]]) -> None:
        """One short transaction on the ledger, committed before the caller goes on."""
        async with self._sessionmaker() as session, session.begin():
            await change(CloneLedgerRepository(session))

    async def _quietly(self, step: Awaitable[object], what: str = "ledger") -> None:
        """Bookkeeping that must not hide the caller's own error; failures are logged."""
        try:
            await step
        except Exception as exc:
            log.exception("voice_clone.bookkeeping_failed", step=what, error=_error_text(exc))
