"""Multi-worker proof, short form: `newvisions serve --workers 2` on PostgreSQL + Redis, 16
performers (4 of them sending 3 performs at once) against a 3-slot ElevenLabs emulator.
The long form is `bench/multi_worker.py`; what is checked is described in multi_worker.py."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.proof.multi_worker import PerformOutcome, Report, Scenario, _clone_lives, _overlaps, run

NEEDS = (
    "the multi-worker proof runs real worker processes on PostgreSQL + Redis: set "
    "NV_TEST_DATABASE_URL=postgresql+asyncpg://... and NV_TEST_REDIS_URL"
)


@pytest.mark.slow
@pytest.mark.skipif(
    not (TEST_DATABASE_URL.startswith("postgresql") and TEST_REDIS_URL), reason=NEEDS
)
async def test_two_workers_share_slots_and_serialise_each_performer() -> None:
    assert TEST_REDIS_URL is not None
    scenario = Scenario(
        database_url=TEST_DATABASE_URL,
        redis_url=TEST_REDIS_URL,
        users=16,
        workers=2,
        voice_limit=3,
        crowded_users=4,
        performs_per_crowded_user=3,
        create_latency_s=0.15,
        tts_latency_s=0.1,
        delete_latency_s=0.05,
        log=False,
    )
    report = await run(scenario)
    summary = "\n".join(report.lines())
    assert report.violations() == [], summary
    assert report.peak_live_voices == scenario.voice_limit, "the slots were never all taken"
    assert report.voices_created >= scenario.users, summary


# ---------------------------------------------------------------------- the checker itself


def _add(seq: int, clone: uuid.UUID, voice: str, at: float, status: int = 200) -> dict[str, object]:
    return {
        "endpoint": "voices.add",
        "seq": seq,
        "info": {"name": f"nv-{clone}"},
        "voice_id": voice if status == 200 else None,
        "status": status,
        "started_at": at,
        "duration_s": 0.2,
    }


def _delete(voice: str, at: float) -> dict[str, object]:
    return {
        "endpoint": "voices.delete",
        "voice_id": voice,
        "status": 200,
        "started_at": at,
        "duration_s": 0.1,
    }


def test_the_checker_sees_one_performers_clones_overlap() -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    a1, a2, a3, b1 = (uuid.uuid4() for _ in range(4))
    calls = [
        _add(1, a1, "v1", 10.0),
        _add(2, b1, "v2", 10.5),  # another performer at the same time: fine
        _delete("v1", 11.0),  # a1 lives 10.0 .. 11.1
        _add(3, a2, "v3", 11.05),  # 0.05 s before a1's delete ended: an overlap
        _delete("v2", 11.5),
        _delete("v3", 12.0),
        _add(4, a3, "v4", 12.2),  # never deleted
    ]
    owners = {a1: alice, a2: alice, a3: alice, b1: bob}
    lives = _clone_lives(calls)
    assert lives[a1] == (10.0, pytest.approx(11.1))
    assert lives[a3] == (12.2, None)
    found = _overlaps(lives, owners)
    assert len(found) == 1
    assert str(a2) in found[0] and str(alice) in found[0]

    # Serialised: the next clone starts after the previous one is gone.
    calls[3] = _add(3, a2, "v3", 11.2)
    assert _overlaps(_clone_lives(calls), owners) == []
    # A voice with no ledger row is reported too.
    assert _overlaps(_clone_lives(calls), {a1: alice, a2: alice, b1: bob}) != []


def test_the_checker_accepts_only_200_and_voice_slots_busy() -> None:
    scenario = Scenario(database_url="", redis_url="", users=3, workers=1, crowded_users=0)
    report = Report(scenario, peak_live_voices=2)
    report.outcomes = [
        PerformOutcome(0, "r0", 200, None, 1.0),
        PerformOutcome(1, "r1", 503, "voice_slots_busy", 2.0),
        PerformOutcome(2, "r2", 503, "voice_provider_unavailable", 2.0),
    ]
    assert len(report.violations()) == 1
    assert "voice_provider_unavailable" in report.violations()[0]
    report.outcomes[2] = PerformOutcome(2, "r2", 500, "internal_error", 2.0)
    assert "500 internal_error" in report.violations()[0]
    report.outcomes[2] = PerformOutcome(2, "r2", 200, None, 2.0)
    assert report.violations() == []
    report.peak_live_voices = scenario.voice_limit + 1
    assert report.violations() == [f"peak live voices 11 > limit {scenario.voice_limit}"]
    report.peak_live_voices = scenario.voice_limit
    report.refused_creates = 2
    assert "2 creates refused" in report.violations()[0]
