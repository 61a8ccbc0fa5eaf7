"""A perform is charged if and only if it is recorded as succeeded: when storing the success
fails (the database refuses the write), the perform fails and its characters are refunded."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from newvisions.models import UsageEntry, UsageStatus
from newvisions.models.perform import Perform, PerformStatus
from newvisions.perform.repository import PerformRepository
from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator
from tests.perform.conftest import EmulatorServer, Live, LiveFactory, elevenlabs_settings


async def test_a_success_that_cannot_be_stored_is_not_charged(
    live_app: LiveFactory,
    emulator: ElevenLabsEmulator,
    emulator_server: EmulatorServer,
    good_webm: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live: Live = await live_app(**elevenlabs_settings(emulator_server))
    user = await live.performer(good_webm)
    finish = PerformRepository.finish

    async def locked_on_success(self: PerformRepository, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("status") == PerformStatus.succeeded:
            raise OperationalError("UPDATE performs", {}, Exception("database is locked"))
        await finish(self, *args, **kwargs)

    monkeypatch.setattr(PerformRepository, "finish", locked_on_success)
    response = await live.client.post(
        "/api/perform", json={"routine": "cards", "value": "7D"}, headers=user.headers
    )
    # A locked database is answered as busy, to be retried (never as a success).
    assert response.status_code == 503
    assert response.json()["error"] == "database_busy"

    usage = (await live.client.get("/api/usage", headers=user.headers)).json()
    assert (usage["used"], usage["reserved"]) == (0, 0)
    async with live.sessionmaker() as session:
        user_id = uuid.UUID(user.user_id)
        (entry,) = (
            await session.scalars(select(UsageEntry).where(UsageEntry.user_id == user_id))
        ).all()
        (perform,) = (
            await session.scalars(select(Perform).where(Perform.user_id == user_id))
        ).all()
    assert (entry.status, entry.charged) == (UsageStatus.refunded, 0)
    assert (perform.status, perform.error_code) == (PerformStatus.failed, "internal_error")
    assert emulator.live_cloned == 0
