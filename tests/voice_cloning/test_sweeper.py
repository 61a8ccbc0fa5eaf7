"""The sweeper: what it deletes, what it leaves alone, and that one worker leads it."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from sqlalchemy import update

from newvisions.models import CloneStatus, User, VoiceClone
from newvisions.models.base import utcnow
from newvisions.voice_cloning.coordination import CloneCoordinator, InProcessCoordinator
from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
from newvisions.voice_cloning.providers.elevenlabs_emulator import (
    ElevenLabsEmulator,
    Fault,
    StoredVoice,
)
from newvisions.voice_cloning.tasks import SWEEPER_ROLE, SweeperLoop
from tests.voice_cloning.conftest import CommittedDb, make_sweeper


async def _leftover(
    db: CommittedDb,
    emulator: ElevenLabsEmulator,
    user_id: uuid.UUID | None,
    status: CloneStatus,
    *,
    with_voice: bool = True,
    age_s: float = 0,
) -> tuple[uuid.UUID, str]:
    """A ledger row (and its provider voice) as a crashed or failed perform leaves them."""
    clone_id = uuid.uuid4()
    voice_id = f"v{clone_id.hex[:19]}"
    if with_voice:
        emulator.voices[voice_id] = StoredVoice(
            voice_id, f"nv-{clone_id}", "cloned", None, {}, 1_700_000_000, []
        )
    async with db.sessionmaker() as session, session.begin():
        session.add(
            VoiceClone(
                id=clone_id,
                user_id=user_id,
                request_id="crashed",
                provider="elevenlabs",
                provider_voice_id=voice_id if status is not CloneStatus.creating else None,
                status=status,
            )
        )
        await session.flush()
        if age_s:
            await session.execute(
                update(VoiceClone)
                .where(VoiceClone.id == clone_id)
                .values(updated_at=utcnow() - timedelta(seconds=age_s))
            )
        if user_id is not None and status is CloneStatus.active:
            await session.execute(
                update(User).where(User.id == user_id).values(voice_clone_id=voice_id)
            )
    return clone_id, voice_id


async def _status(db: CommittedDb, clone_id: uuid.UUID) -> VoiceClone:
    async with db.sessionmaker() as session:
        row = await session.get(VoiceClone, clone_id)
        assert row is not None
        return row


async def test_abandoned_rows_and_their_voices_are_cleaned(
    emulator: ElevenLabsEmulator,
    elevenlabs: ElevenLabsVoiceProvider,
    committed_db: CommittedDb,
    coordinator: CloneCoordinator,
) -> None:
    user_a, user_b, user_c = await committed_db.make_users(3)
    active, _ = await _leftover(committed_db, emulator, user_a, CloneStatus.active)
    creating, _ = await _leftover(committed_db, emulator, user_b, CloneStatus.creating)
    failed, _ = await _leftover(committed_db, emulator, user_c, CloneStatus.delete_failed)
    assert emulator.live_cloned == 3

    report = await make_sweeper(elevenlabs, coordinator, committed_db, 120).sweep(trust_leases=True)

    assert emulator.cloned_voices() == []
    assert (report.rows_closed, report.voices_deleted, report.delete_failures) == (3, 3, 0)
    for clone_id in (active, creating, failed):
        row = await _status(committed_db, clone_id)
        assert row.status == CloneStatus.deleted and row.attempts == 1
    assert await committed_db.voice_clone_id(user_a) is None


async def test_clones_in_progress_are_left_alone(
    emulator: ElevenLabsEmulator,
    elevenlabs: ElevenLabsVoiceProvider,
    committed_db: CommittedDb,
    coordinator: CloneCoordinator,
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clone_id, voice_id = await _leftover(committed_db, emulator, user_id, CloneStatus.active)
    assert await coordinator.try_acquire_slot(str(clone_id), 10, 30)

    report = await make_sweeper(elevenlabs, coordinator, committed_db, 120).sweep(trust_leases=True)

    assert report.in_flight == 1 and report.voices_deleted == 0
    assert voice_id in emulator.voices
    assert (await _status(committed_db, clone_id)).status == CloneStatus.active
    assert await committed_db.voice_clone_id(user_id) == voice_id


async def test_without_shared_leases_only_old_rows_count_as_abandoned(
    emulator: ElevenLabsEmulator, elevenlabs: ElevenLabsVoiceProvider, committed_db: CommittedDb
) -> None:
    # `newvisions sweep` in another process cannot see in-process leases: it goes by age.
    young_user, old_user = await committed_db.make_users(2)
    young, young_voice = await _leftover(committed_db, emulator, young_user, CloneStatus.active)
    old, old_voice = await _leftover(
        committed_db, emulator, old_user, CloneStatus.active, age_s=600
    )
    sweeper = make_sweeper(elevenlabs, InProcessCoordinator(), committed_db, stale_after_s=120)

    report = await sweeper.sweep(trust_leases=False)

    assert report.in_flight == 1
    assert young_voice in emulator.voices and old_voice not in emulator.voices
    assert (await _status(committed_db, young)).status == CloneStatus.active
    assert (await _status(committed_db, old)).status == CloneStatus.deleted


async def test_voices_no_unfinished_row_explains_are_deleted_and_others_kept(
    emulator: ElevenLabsEmulator, elevenlabs: ElevenLabsVoiceProvider, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    # A row already closed, whose voice was created late (after a timeout) ...
    closed, late_voice = await _leftover(committed_db, emulator, user_id, CloneStatus.deleted)
    # ... one with no row at all, and voices that are not ours.
    stray = f"nv-{uuid.uuid4()}"
    emulator.voices["stray"] = StoredVoice("stray", stray, "cloned", None, {}, 1, [])
    emulator.voices["keep1"] = StoredVoice("keep1", "nv-not-a-ledger-id", "cloned", None, {}, 1, [])
    emulator.voices["keep2"] = StoredVoice("keep2", "Studio voice", "cloned", None, {}, 1, [])

    report = await make_sweeper(elevenlabs, InProcessCoordinator(), committed_db, 120).sweep(
        trust_leases=True
    )

    assert sorted(report.orphans) == sorted([f"nv-{closed}", stray])
    assert {v.voice_id for v in emulator.cloned_voices()} == {"keep1", "keep2"}
    assert late_voice not in emulator.voices


async def test_a_failing_delete_is_recorded_and_retried_next_time(
    emulator: ElevenLabsEmulator, elevenlabs: ElevenLabsVoiceProvider, committed_db: CommittedDb
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clone_id, _ = await _leftover(committed_db, emulator, user_id, CloneStatus.active)
    sweeper = make_sweeper(elevenlabs, InProcessCoordinator(), committed_db, 120)
    emulator.inject("voices.delete", Fault(status=503, always=True))

    report = await sweeper.sweep(trust_leases=True)
    assert report.delete_failures == 1
    row = await _status(committed_db, clone_id)
    assert row.status == CloneStatus.delete_failed and row.attempts == 1
    assert row.last_error is not None and row.last_error.startswith("sweeper:")

    emulator.clear_faults()
    await sweeper.sweep(trust_leases=True)
    row = await _status(committed_db, clone_id)
    assert row.status == CloneStatus.deleted and row.attempts == 2
    assert emulator.cloned_voices() == []
    assert await committed_db.voice_clone_id(user_id) is None


async def test_stale_voice_clone_ids_are_cleared(
    emulator: ElevenLabsEmulator, elevenlabs: ElevenLabsVoiceProvider, committed_db: CommittedDb
) -> None:
    stale_user, live_user = await committed_db.make_users(2)
    coordinator = InProcessCoordinator()
    live, live_voice = await _leftover(committed_db, emulator, live_user, CloneStatus.active)
    assert await coordinator.try_acquire_slot(str(live), 10, 30)
    async with committed_db.sessionmaker() as session, session.begin():
        await session.execute(
            update(User).where(User.id == stale_user).values(voice_clone_id="gone-long-ago")
        )

    report = await make_sweeper(elevenlabs, coordinator, committed_db, 120).sweep(trust_leases=True)

    assert report.users_cleared == 1
    assert await committed_db.voice_clone_id(stale_user) is None
    assert await committed_db.voice_clone_id(live_user) == live_voice


async def test_one_worker_leads_the_sweeper(
    emulator: ElevenLabsEmulator,
    elevenlabs: ElevenLabsVoiceProvider,
    committed_db: CommittedDb,
    coordinator: CloneCoordinator,
) -> None:
    (user_id,) = await committed_db.make_users(1)
    await _leftover(committed_db, emulator, user_id, CloneStatus.active)
    sweeper = make_sweeper(elevenlabs, coordinator, committed_db, 120)
    first = SweeperLoop(sweeper, coordinator, interval_s=60, trust_leases=True)
    second = SweeperLoop(sweeper, coordinator, interval_s=60, trust_leases=True)

    assert (report := await first.run_once()) is not None and report.rows_closed == 1
    assert await second.run_once() is None, "the other worker does not sweep"
    assert await first.run_once() is not None, "the leader keeps leading"
    assert emulator.cloned_voices() == []


async def test_a_restarted_worker_sweeps_what_a_killed_leader_left(
    emulator: ElevenLabsEmulator,
    elevenlabs: ElevenLabsVoiceProvider,
    committed_db: CommittedDb,
    coordinator: CloneCoordinator,
) -> None:
    """The killed worker still leads (its key has not expired) and, with a shared
    coordinator, its slot lease still looks alive: the start-up passes sweep anyway, the
    second one as soon as that lease has expired."""
    (user_id,) = await committed_db.make_users(1)
    clone_id, _ = await _leftover(committed_db, emulator, user_id, CloneStatus.active)
    assert await coordinator.try_lead(SWEEPER_ROLE, "the-killed-worker", 60)
    lease_s = 0.4
    if coordinator.shared:
        assert await coordinator.try_acquire_slot(str(clone_id), 10, lease_s)
    sweeper = make_sweeper(elevenlabs, coordinator, committed_db, 120)
    loop = SweeperLoop(sweeper, coordinator, interval_s=60, trust_leases=True, lease_s=lease_s)
    await loop.start()
    try:
        await asyncio.wait_for(loop.first_pass_done.wait(), 10)
        if coordinator.shared:
            assert len(emulator.cloned_voices()) == 1, "its lease was still alive"
            deadline = time.monotonic() + 10
            while emulator.cloned_voices():
                assert time.monotonic() < deadline, "no second start-up pass"
                await asyncio.sleep(0.05)
        assert emulator.cloned_voices() == []
        (row,) = await committed_db.clones(user_id)
        assert row.status == CloneStatus.deleted
    finally:
        await loop.stop()
