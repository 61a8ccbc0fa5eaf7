"""All SQL about voice recordings; every query for a recording is scoped by its owner."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.models import AnalysisStatus, User, VoiceRecording


class VoiceRecordingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_user(self, user_id: uuid.UUID, *, lock: bool = False) -> VoiceRecording | None:
        """The user's recording (FOR UPDATE on PostgreSQL when `lock`)."""
        query = select(VoiceRecording).where(VoiceRecording.user_id == user_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, recording: VoiceRecording) -> None:
        self.session.add(recording)
        await self.session.flush()

    async def delete(self, recording: VoiceRecording) -> None:
        await self.session.delete(recording)
        await self.session.flush()

    async def analysis_target(
        self, user_id: uuid.UUID, recording_id: uuid.UUID, sha256: str, *, lock: bool = False
    ) -> VoiceRecording | None:
        """The recording to analyse, if it is still this user's current one with this audio."""
        query = select(VoiceRecording).where(
            VoiceRecording.user_id == user_id,
            VoiceRecording.id == recording_id,
            VoiceRecording.source_sha256 == sha256,
        )
        if lock:  # a concurrent replacement waits, so it is never overwritten by a stale result
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def record_analysis(
        self,
        user_id: uuid.UUID,
        recording_id: uuid.UUID,
        sha256: str,
        *,
        status: AnalysisStatus,
        analysis: dict[str, Any] | None,
        error: str | None,
        finished_at: datetime,
    ) -> bool:
        """Store the outcome, unless the recording was replaced or deleted meanwhile."""
        recording = await self.analysis_target(user_id, recording_id, sha256, lock=True)
        if recording is None:
            return False
        recording.analysis_status = status
        recording.analysis = analysis
        recording.analysis_error = error
        recording.analysis_finished_at = finished_at
        await self.session.flush()
        return True

    async def pending_analyses(self, before: datetime) -> list[VoiceRecording]:
        """Analyses still pending that were uploaded, and last started, before `before`."""
        rows = await self.session.execute(
            select(VoiceRecording).where(
                VoiceRecording.analysis_status == AnalysisStatus.pending,
                VoiceRecording.uploaded_at < before,
                VoiceRecording.analysis_started_at.is_(None)
                | (VoiceRecording.analysis_started_at < before),
            )
        )
        return list(rows.scalars())

    async def file_names_of(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            select(VoiceRecording.user_id, VoiceRecording.file_name).where(
                VoiceRecording.user_id.in_(list(user_ids))
            )
        )
        return {row.user_id: row.file_name for row in rows}

    async def existing_users(self, user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these accounts still exist (files of deleted accounts go at once)."""
        rows = await self.session.execute(select(User.id).where(User.id.in_(list(user_ids))))
        return set(rows.scalars())
