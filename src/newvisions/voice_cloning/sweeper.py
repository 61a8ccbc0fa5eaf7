"""The sweeper: finds temporary voices that outlived their perform and deletes them.

Reads, in this order: the provider's voices with our prefix, the unfinished ledger rows, the
live slot leases. A ledger row is committed before its voice is created and its lease taken
before the row, so every voice seen in step one has its row visible in step two, and every
clone still in progress has its lease visible in step three.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.models import CloneStatus, VoiceClone
from newvisions.models.base import utcnow
from newvisions.models.voice_clone import clone_id_from_voice_name
from newvisions.utils.errors import AppError
from newvisions.voice_cloning import metrics
from newvisions.voice_cloning.coordination import CloneCoordinator
from newvisions.voice_cloning.providers.base import VOICE_NAME_PREFIX, ProviderVoice, VoiceProvider
from newvisions.voice_cloning.repository import CloneLedgerRepository

log = structlog.get_logger(__name__)


@dataclass
class SweepReport:
    voices_deleted: int = 0
    rows_closed: int = 0
    delete_failures: int = 0
    in_flight: int = 0
    users_cleared: int = 0
    orphans: list[str] = field(default_factory=list)  # voice names without an unfinished row


class CloneSweeper:
    def __init__(
        self,
        *,
        provider: VoiceProvider,
        coordinator: CloneCoordinator,
        sessionmaker: async_sessionmaker[AsyncSession],
        stale_after_s: float,
    ) -> None:
        self._provider = provider
        self._coordinator = coordinator
        self._sessionmaker = sessionmaker
        self._stale_after = timedelta(seconds=stale_after_s)

    async def sweep(self, *, trust_leases: bool) -> SweepReport:
        """One pass. `trust_leases`: the coordinator sees every clone in progress, so a row
        without a live lease is abandoned at once; otherwise a row is left alone until it is
        older than `stale_after_s` (a sweep from another process, in-process backend)."""
        report = SweepReport()
        try:
            await self._sweep(report, trust_leases=trust_leases)
        except Exception:
            metrics.SWEEPER_RUNS.labels("failed").inc()
            raise
        metrics.SWEEPER_RUNS.labels("ok").inc()
        log.info("voice_clone.swept", **report.__dict__)
        return report

    async def _sweep(self, report: SweepReport, *, trust_leases: bool) -> None:
        voices = await self._provider.list_voices(VOICE_NAME_PREFIX)
        async with self._sessionmaker() as session:
            rows = list(await CloneLedgerRepository(session).unfinished())
        live = await self._coordinator.live_leases()

        by_clone: dict[uuid.UUID, list[ProviderVoice]] = {}
        for voice in voices:
            clone_id = clone_id_from_voice_name(voice.name)
            if clone_id is not None:
                by_clone.setdefault(clone_id, []).append(voice)

        now = utcnow()
        for row in rows:
            found = by_clone.pop(row.id, [])
            if row.status != CloneStatus.delete_failed and (
                str(row.id) in live
                or (not trust_leases and now - row.updated_at < self._stale_after)
            ):
                report.in_flight += 1
                continue
            await self._close(row, found, report)

        if by_clone:
            # Voices whose row is closed (created late, after a timeout) or unknown.
            async with self._sessionmaker() as session:
                known = await CloneLedgerRepository(session).existing(by_clone.keys())
            for clone_id, found in by_clone.items():
                for voice in found:
                    report.orphans.append(voice.name)
                    log.warning(
                        "voice_clone.orphan",
                        voice_name=voice.name,
                        voice_id=voice.voice_id,
                        ledger_row=clone_id in known,
                    )
                    try:
                        await self._provider.delete_voice(voice.voice_id)
                    except AppError as exc:
                        report.delete_failures += 1
                        metrics.CLONE_DELETES.labels(self._provider.name, "sweeper", "failed").inc()
                        log.warning(
                            "voice_clone.sweep_delete_failed", voice_name=voice.name, error=exc.code
                        )
                        continue
                    report.voices_deleted += 1
                    metrics.CLONE_DELETES.labels(self._provider.name, "sweeper", "ok").inc()

        async with self._sessionmaker() as session, session.begin():
            report.users_cleared = await CloneLedgerRepository(session).clear_stale_user_voices()

    async def _close(
        self, row: VoiceClone, found: list[ProviderVoice], report: SweepReport
    ) -> None:
        """Delete whatever a finished or abandoned row may still hold, then close it."""
        voice_ids = {voice.voice_id for voice in found}
        if row.provider_voice_id:
            voice_ids.add(row.provider_voice_id)
        try:
            for voice_id in sorted(voice_ids):
                await self._provider.delete_voice(voice_id)
        except AppError as exc:
            report.delete_failures += 1
            metrics.CLONE_DELETES.labels(self._provider.name, "sweeper", "failed").inc()
            error = f"sweeper: {exc.code}: {exc.detail}"
            await self._write(lambda repo: repo.mark_delete_failed(row.id, error))
            log.warning("voice_clone.sweep_delete_failed", clone_id=str(row.id), error=exc.code)
            return
        metrics.CLONE_DELETES.labels(self._provider.name, "sweeper", "ok").inc()
        report.voices_deleted += len(found)
        report.rows_closed += 1

        async def close(repo: CloneLedgerRepository) -> None:
            if voice_ids:
                await repo.count_attempt(row.id)
            await repo.mark_deleted(row.id, voice_ids)

        await self._write(close)
        log.info(
            "voice_clone.swept_row",
            clone_id=str(row.id),
            status_was=str(row.status),
            voices=len(voice_ids),
        )

    async def _write(self, change: Callable[[CloneLedgerRepository], Awaitable[object]]) -> None:
        async with self._sessionmaker() as session, session.begin():
            await change(CloneLedgerRepository(session))
