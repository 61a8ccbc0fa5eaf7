"""The clone workflow's sample loader reads the recording file after its transaction has ended:
on SQLite a transaction holds the write lock, and every other perform's writes would queue
behind a file read (under load, past the busy timeout: "database is locked")."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.voice_cloning.recording.service import RecordingIntake, sample_loader
from newvisions.voice_cloning.recording.storage import RecordingStorage
from tests.factories import register_and_login

URL = "/api/voice/recording"


async def test_the_file_is_read_outside_the_transaction(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    good_webm: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    me = await register_and_login(client, session)
    await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    scope = intake.session_scope
    open_scopes = 0

    @asynccontextmanager
    async def counted() -> AsyncIterator[AsyncSession]:
        nonlocal open_scopes
        open_scopes += 1
        try:
            async with scope() as inner:
                yield inner
        finally:
            open_scopes -= 1

    read = RecordingStorage.read
    reads_in_transaction: list[int] = []

    def watched(self: RecordingStorage, name: str) -> bytes:
        reads_in_transaction.append(open_scopes)
        return read(self, name)

    monkeypatch.setattr(intake, "session_scope", counted)
    monkeypatch.setattr(RecordingStorage, "read", watched)
    sample = await sample_loader(intake)(uuid.UUID(me.user_id))
    assert sample.audio[:4] == b"fLaC"
    assert reads_in_transaction == [0]
