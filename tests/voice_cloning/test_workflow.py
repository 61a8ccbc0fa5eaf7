"""The ephemeral clone workflow, once per provider in PROVIDER_HARNESSES (conftest.py).

These tests only use the `VoiceProvider` protocol (and, where a provider has one, its
emulator for counting), so the offline engine runs them unchanged once it is listed.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import numpy as np
import pytest
from prometheus_client import REGISTRY

from newvisions.models import CloneStatus
from newvisions.utils.errors import ServiceUnavailable
from newvisions.voice_cloning.coordination import (
    CloneCoordinator,
    InProcessCoordinator,
    RedisCoordinator,
)
from newvisions.voice_cloning.exceptions import VoiceRecordingMissing, VoiceSlotsBusy
from newvisions.voice_cloning.providers.base import SpeechRequest, VoiceSample
from newvisions.voice_cloning.service import TemporaryVoice
from tests.voice_cloning.conftest import (
    CommittedDb,
    LogEvents,
    ProviderHarness,
    load_sample,
    make_service,
)

REQUEST = SpeechRequest(
    text="Strange, I dreamt about the seven of hearts.",
    language="en",
    speaker_sex="male",
    stability=50,
    similarity=75,
)


async def test_a_clone_lives_only_inside_the_block(
    harness: ProviderHarness,
    coordinator: CloneCoordinator,
    committed_db: CommittedDb,
    log_events: LogEvents,
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clones = make_service(harness.provider, coordinator, committed_db)
    provider = harness.provider.name
    before = _metric_values(provider)

    async with clones.temporary_clone(user_id, "req-1", load_sample) as voice:
        assert _metric("nv_voice_clones_live", provider=provider) == before["live"] + 1
        await _inside_checks(harness, coordinator, committed_db, user_id, voice)
        speech = await voice.synthesize(REQUEST)

    assert speech.samples.dtype == np.float32 and speech.duration_s > 0.5
    assert await harness.our_voices() == []
    assert await committed_db.voice_clone_id(user_id) is None
    (row,) = await committed_db.clones(user_id)
    assert row.status == CloneStatus.deleted
    assert row.deleted_at is not None and row.active_at is not None
    assert row.last_error is None and row.attempts == 1
    assert await coordinator.live_leases() == set()

    after = _metric_values(provider)
    assert after["created"] == before["created"] + 1
    assert after["deleted"] == before["deleted"] + 1
    assert after["lifetimes"] == before["lifetimes"] + 1
    assert after["waits"] == before["waits"] + 1
    assert after["live"] == before["live"]
    (line,) = log_events("voice_clone.finished")
    assert line["user_id"] == str(user_id) and line["request_id"] == "req-1"
    assert line["clone_created_at"] < line["clone_deleted_at"]
    assert line["latency_ms"] > 0 and line["outcome"] == "ok"


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _metric_values(provider: str) -> dict[str, float]:
    return {
        "created": _metric("nv_voice_clone_creates_total", provider=provider, outcome="ok"),
        "deleted": _metric(
            "nv_voice_clone_deletes_total", provider=provider, by="workflow", outcome="ok"
        ),
        "lifetimes": _metric("nv_voice_clone_lifetime_seconds_count", provider=provider),
        "waits": _metric("nv_voice_clone_slot_wait_seconds_count", outcome="ok"),
        "live": _metric("nv_voice_clones_live", provider=provider),
    }


async def _inside_checks(
    harness: ProviderHarness,
    coordinator: CloneCoordinator,
    committed_db: CommittedDb,
    user_id: uuid.UUID,
    voice: TemporaryVoice,
) -> None:
    """While the block runs: one voice, mirrored on the user, an active row, a live lease."""
    assert await harness.our_voices() == [f"nv-{voice.clone_id}"]
    assert await committed_db.voice_clone_id(user_id) == voice.voice_id
    (row,) = await committed_db.clones(user_id)
    assert (row.status, row.provider_voice_id, row.request_id) == (
        CloneStatus.active,
        voice.voice_id,
        "req-1",
    )
    assert await coordinator.live_leases() == {str(voice.clone_id)}
    assert voice.source == harness.provider.name


async def test_an_error_in_the_block_still_deletes_the_clone(
    harness: ProviderHarness, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clones = make_service(harness.provider, InProcessCoordinator(), committed_db)
    with pytest.raises(RuntimeError, match="memo rendering broke"):
        async with clones.temporary_clone(user_id, "req-2", load_sample):
            raise RuntimeError("memo rendering broke")
    assert await harness.our_voices() == []
    (row,) = await committed_db.clones(user_id)
    assert row.status == CloneStatus.deleted
    assert await committed_db.voice_clone_id(user_id) is None


async def test_a_cancelled_perform_still_deletes_the_clone(
    harness: ProviderHarness, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clones = make_service(harness.provider, InProcessCoordinator(), committed_db)
    inside = asyncio.Event()

    async def perform() -> None:
        async with clones.temporary_clone(user_id, "req-3", load_sample):
            inside.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(perform())
    await asyncio.wait_for(inside.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await harness.our_voices() == []
    (row,) = await committed_db.clones(user_id)
    assert row.status == CloneStatus.deleted


async def test_no_recording_means_no_clone_and_no_row(
    harness: ProviderHarness, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clones = make_service(harness.provider, InProcessCoordinator(), committed_db)

    async def no_recording(_user_id: uuid.UUID) -> VoiceSample:
        raise VoiceRecordingMissing()

    with pytest.raises(VoiceRecordingMissing):
        async with clones.temporary_clone(user_id, "req-4", no_recording):
            pass  # pragma: no cover - never entered
    assert await committed_db.clones(user_id) == []
    assert await clones.coordinator.live_leases() == set()


async def test_performs_of_one_user_are_serialised(
    harness: ProviderHarness, coordinator: CloneCoordinator, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clones = make_service(harness.provider, coordinator, committed_db)
    spans: list[tuple[float, float]] = []

    async def perform(n: int) -> None:
        async with clones.temporary_clone(user_id, f"req-{n}", load_sample):
            entered = time.monotonic()
            await asyncio.sleep(0.1)
            spans.append((entered, time.monotonic()))

    await asyncio.gather(*(perform(n) for n in range(3)))
    spans.sort()
    assert len(spans) == 3
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(2)), "no two overlap"
    assert len(await committed_db.clones(user_id)) == 3


async def test_the_eleventh_performer_waits_then_gets_503_with_retry_after(
    harness: ProviderHarness, coordinator: CloneCoordinator, committed_db: CommittedDb
) -> None:
    first, second = await committed_db.make_users(2)
    limit = (await harness.provider.capacity()).limit
    # A reserve of limit-1 leaves exactly one slot to this workflow.
    clones = make_service(
        harness.provider, coordinator, committed_db, slot_reserve=limit - 1, slot_wait_s=0.3
    )
    async with clones.temporary_clone(first, "req-a", load_sample):
        started = time.monotonic()
        with pytest.raises(VoiceSlotsBusy) as busy:
            async with clones.temporary_clone(second, "req-b", load_sample):
                pass  # pragma: no cover - never entered
        assert 0.25 <= time.monotonic() - started < 3
    assert busy.value.status_code == 503
    assert busy.value.headers["Retry-After"].isdigit()
    assert await committed_db.clones(second) == [], "no row for a perform that never got a slot"
    # Once the slot is free the same performer gets through.
    async with clones.temporary_clone(second, "req-c", load_sample) as voice:
        assert voice.voice_id


@pytest.mark.slow
async def test_a_hundred_performers_share_ten_slots(
    harness: ProviderHarness, coordinator: CloneCoordinator, committed_db: CommittedDb
) -> None:
    users = await committed_db.make_users(100)
    if harness.emulator is not None:
        # Speech takes a moment, as it really does: clones overlap and fill every slot.
        harness.emulator.config.latency_s = {"tts": 0.1}
    clones = make_service(harness.provider, coordinator, committed_db, slot_wait_s=60)
    limit = (await harness.provider.capacity()).limit
    holding = 0
    peak = 0

    async def perform(user_id: uuid.UUID) -> int:
        nonlocal holding, peak
        async with clones.temporary_clone(user_id, f"r-{user_id.hex[:8]}", load_sample) as voice:
            holding += 1
            peak = max(peak, holding)
            speech = await voice.synthesize(REQUEST)
            holding -= 1
        return len(speech.samples)

    results = await asyncio.wait_for(asyncio.gather(*(perform(u) for u in users)), 120)
    assert len(results) == 100 and all(n > 0 for n in results)
    assert peak <= limit
    assert await harness.our_voices() == []
    if harness.emulator is not None:
        emu = harness.emulator
        assert emu.voices_created == 100
        assert emu.peak_live_cloned <= limit
        assert emu.peak_live_cloned >= limit // 2, "the clones did run side by side"
        refused = [c for c in emu.calls if c.endpoint == "voices.add" and c.status != 200]
        assert refused == [], "the leases kept every create within the account's slots"
    for user_id in users[:5]:
        (row,) = await committed_db.clones(user_id)
        assert row.status == CloneStatus.deleted


async def test_a_long_perform_keeps_its_lease_and_lock_alive(
    harness: ProviderHarness, coordinator: CloneCoordinator, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clones = make_service(harness.provider, coordinator, committed_db, lease_s=0.3)
    async with clones.temporary_clone(user_id, "req-long", load_sample) as voice:
        await asyncio.sleep(1.0)  # more than three lease lifetimes
        assert await coordinator.live_leases() == {str(voice.clone_id)}
        assert not await coordinator.try_lock_user(str(user_id), "someone-else", 10)
    assert await coordinator.live_leases() == set()
    assert await coordinator.try_lock_user(str(user_id), "someone-else", 10)


async def test_a_perform_waiting_on_its_own_previous_one_is_told_so(
    harness: ProviderHarness, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clones = make_service(harness.provider, InProcessCoordinator(), committed_db, slot_wait_s=0.2)
    async with clones.temporary_clone(user_id, "first", load_sample):
        with pytest.raises(VoiceSlotsBusy, match="previous perform is still running") as busy:
            async with clones.temporary_clone(user_id, "second", load_sample):
                pass  # pragma: no cover - never entered
    assert busy.value.headers["Retry-After"].isdigit()


async def test_unreachable_coordination_is_a_clean_503(
    harness: ProviderHarness, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    nowhere = RedisCoordinator.from_url("redis://127.0.0.1:1/0")  # nothing listens there
    clones = make_service(harness.provider, nowhere, committed_db)
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            async with clones.temporary_clone(user_id, "req-x", load_sample):
                pass  # pragma: no cover - never entered
    finally:
        await nowhere.aclose()
    assert caught.value.status_code == 503
    assert await committed_db.clones(user_id) == []
