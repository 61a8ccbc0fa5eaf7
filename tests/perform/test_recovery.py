"""A perform whose process died (SIGKILL mid-perform): failed on the next start, its quota
given back at once, and a retry with the same Idempotency-Key runs it again.

The crash itself, with real processes, is in tests/proof/test_crash.py; here the state a dead
process leaves behind is written directly."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from newvisions.limits.quota_manager import QuotaManager
from newvisions.models import UsageEntry, UsageStatus
from newvisions.models.perform import Perform, PerformStatus
from newvisions.perform.recovery import INTERRUPTED, lease_name, recover_interrupted
from newvisions.perform.schemas import PerformCreate
from newvisions.perform.service import request_fingerprint
from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator
from tests.factories import LoggedIn
from tests.perform.conftest import EmulatorServer, Live, LiveFactory, elevenlabs_settings

BODY = {"routine": "star-signs", "value": "Leo"}


@pytest.fixture
async def live(
    live_app: LiveFactory, emulator: ElevenLabsEmulator, emulator_server: EmulatorServer
) -> Live:
    return await live_app(**elevenlabs_settings(emulator_server))


async def _left_by_a_dead_process(live: Live, user: LoggedIn, key: str) -> uuid.UUID:
    """What a worker killed after reserving leaves: a running row and a held reservation."""
    user_id = uuid.UUID(user.user_id)
    request_id = f"dead-{uuid.uuid4().hex[:8]}"
    row = Perform(
        user_id=user_id,
        request_id=request_id,
        idempotency_key=key,
        request_hash=request_fingerprint(PerformCreate.model_validate(BODY)),
        routine=BODY["routine"],
        language="en",
    )
    async with live.sessionmaker.begin() as session:
        session.add(row)
    quota = QuotaManager(live.sessionmaker, live.settings)
    await quota.reserve(user_id, 60, request_id=request_id, model="eleven_flash_v2_5")
    return row.id


async def _row(live: Live, perform_id: uuid.UUID) -> Perform:
    async with live.sessionmaker() as session:
        perform = await session.get(Perform, perform_id)
        assert perform is not None
        return perform


async def _entries(live: Live, user: LoggedIn) -> list[UsageEntry]:
    async with live.sessionmaker() as session:
        query = select(UsageEntry).where(UsageEntry.user_id == uuid.UUID(user.user_id))
        return list((await session.scalars(query)).all())


async def _usage(live: Live, user: LoggedIn) -> dict[str, Any]:
    body: dict[str, Any] = (await live.client.get("/api/usage", headers=user.headers)).json()
    return body


async def test_the_next_start_fails_the_dead_perform_and_gives_its_quota_back(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes
) -> None:
    user = await live.performer(good_webm)
    key = f"tap-{uuid.uuid4().hex}"
    perform_id = await _left_by_a_dead_process(live, user, key)
    assert (await _usage(live, user))["reserved"] == 60
    headers = {**user.headers, "Idempotency-Key": key}
    stuck = await live.client.post("/api/perform", json=BODY, headers=headers)
    assert stuck.status_code == 409, "while the row says running, a retry must wait"

    app = live.app
    async with app.router.lifespan_context(app):  # the restarted process
        deadline = time.monotonic() + 10
        while (await _row(live, perform_id)).status == PerformStatus.running:
            assert time.monotonic() < deadline, "the start-up recovery did not run"
            await asyncio.sleep(0.05)

        row = await _row(live, perform_id)
        assert row.status == PerformStatus.failed
        assert row.error_code == INTERRUPTED
        assert row.finished_at is not None
        (entry,) = await _entries(live, user)
        assert entry.status == UsageStatus.expired, "released now, not at its deadline"
        usage = await _usage(live, user)
        assert (usage["reserved"], usage["used"]) == (0, 0)

        retried = await live.client.post("/api/perform", json=BODY, headers=headers)
        assert retried.status_code == 200, retried.text
        assert retried.json()["perform_id"] == str(perform_id)
        assert retried.json()["replayed"] is False
        assert emulator.cloned_voices() == []
        assert (await _row(live, perform_id)).status == PerformStatus.succeeded


async def test_a_perform_holding_its_lease_is_left_alone(live: Live, good_webm: bytes) -> None:
    user = await live.performer(good_webm)
    perform_id = await _left_by_a_dead_process(live, user, f"tap-{uuid.uuid4().hex}")
    coordinator = live.app.state.voice_cloning.coordinator
    await coordinator.hold_lease(lease_name(perform_id), 30)

    async def recover(*, trust: bool = True) -> int:
        return await recover_interrupted(
            live.sessionmaker, coordinator, trust_leases=trust, stale_after_s=600
        )

    assert await recover() == 0
    assert (await _row(live, perform_id)).status == PerformStatus.running
    assert (await _usage(live, user))["reserved"] == 60

    await coordinator.drop_lease(lease_name(perform_id))
    assert await recover(trust=False) == 0, "untrusted leases: only past the deadline"
    assert (await _row(live, perform_id)).status == PerformStatus.running

    assert await recover() == 1
    assert (await _row(live, perform_id)).status == PerformStatus.failed
    assert (await _usage(live, user))["reserved"] == 0
    assert await recover() == 0, "a second pass finds nothing"


async def test_a_finished_perform_holds_no_lease_and_a_running_one_does(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes
) -> None:
    user = await live.performer(good_webm)
    emulator.config.latency_s = {"tts": 0.5}
    coordinator = live.app.state.voice_cloning.coordinator
    running = asyncio.create_task(live.client.post("/api/perform", json=BODY, headers=user.headers))
    deadline = time.monotonic() + 10
    while emulator.call_counts["tts"] == 0:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    async with live.sessionmaker() as session:
        (perform,) = (await session.scalars(select(Perform))).all()
    assert await coordinator.live_of([lease_name(perform.id)]) == {lease_name(perform.id)}
    assert (
        await recover_interrupted(
            live.sessionmaker, coordinator, trust_leases=True, stale_after_s=600
        )
        == 0
    )
    response = await running
    assert response.status_code == 200, response.text
    assert await coordinator.live_of([lease_name(perform.id)]) == set()
