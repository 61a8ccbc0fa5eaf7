"""Faults and timeouts at create, synthesis and delete, through the official SDK against the
emulator: whatever fails, the account holds none of our voices once the sweeper has run, and
the ledger row tells what happened."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from newvisions.models import CloneStatus
from newvisions.utils.errors import AppError
from newvisions.voice_cloning.coordination import InProcessCoordinator
from newvisions.voice_cloning.exceptions import VoiceProviderUnavailable
from newvisions.voice_cloning.providers.base import SpeechRequest
from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator, Fault
from tests.voice_cloning.conftest import (
    CommittedDb,
    LogEvents,
    load_sample,
    make_service,
    make_sweeper,
)

REQUEST = SpeechRequest(
    text="Funny, I dreamt of the number forty-two.",
    language="en",
    speaker_sex="female",
    stability=40,
    similarity=80,
)


@dataclass
class Case:
    endpoint: str
    fault: dict[str, Any]
    raises: type[Exception] | None  # what the perform sees
    status_before_sweep: CloneStatus | None  # None: depends on timing (late server work)
    error_before_sweep: str | None = None  # start of last_error
    voices_before_sweep: int | None = 0
    extra: dict[str, Any] = field(default_factory=dict)


HANG = {"hang_s": 30, "always": True}
CASES = {
    "create-error": Case(
        "voices.add",
        {"status": 503, "always": True},
        VoiceProviderUnavailable,
        CloneStatus.deleted,
        "voice_provider_unavailable",
    ),
    "create-timeout": Case(
        "voices.add",
        {"status": 503, **HANG},
        VoiceProviderUnavailable,
        CloneStatus.deleted,
        "voice_provider_unavailable",
    ),
    # The server finishes the create after the client gave up: the retry may adopt it, or it
    # may appear after the perform failed; either way the sweeper has the last word.
    "create-timeout-late-work": Case(
        "voices.add", {"status": None, **HANG}, None, None, voices_before_sweep=None
    ),
    "create-error-after-work": Case(
        "voices.add",
        {"status": 500, "always": True, "apply_then_fail": True},
        None,
        CloneStatus.deleted,
        voices_before_sweep=0,
    ),
    "synthesis-error": Case(
        "tts", {"status": 503, "always": True}, VoiceProviderUnavailable, CloneStatus.deleted
    ),
    "synthesis-timeout": Case(
        "tts", {"status": None, **HANG}, VoiceProviderUnavailable, CloneStatus.deleted
    ),
    "synthesis-stall": Case(
        "tts",
        {"status": None, "stall_after_bytes": 4096, "always": True},
        VoiceProviderUnavailable,
        CloneStatus.deleted,
    ),
    "delete-error": Case(
        "voices.delete",
        {"status": 503, "always": True},
        None,
        CloneStatus.delete_failed,
        "voice_provider_unavailable",
        voices_before_sweep=1,
    ),
    "delete-timeout": Case(
        "voices.delete",
        {"status": 503, **HANG},
        None,
        CloneStatus.delete_failed,
        "voice_provider_unavailable",
        voices_before_sweep=1,
    ),
}


async def _server_done(emulator: ElevenLabsEmulator) -> None:
    """Wait until every request the emulator received has been answered (late work done)."""
    deadline = time.monotonic() + 10
    while any(call.status is None for call in emulator.calls):
        assert time.monotonic() < deadline, "the emulator still holds a request"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("case_name", list(CASES))
async def test_faults_leave_no_voice_behind(
    case_name: str,
    emulator: ElevenLabsEmulator,
    elevenlabs: ElevenLabsVoiceProvider,
    committed_db: CommittedDb,
    log_events: LogEvents,
) -> None:
    case = CASES[case_name]
    emulator.config.chunk_size = 2048
    (user_id,) = await committed_db.make_users(1)
    coordinator = InProcessCoordinator()
    clones = make_service(elevenlabs, coordinator, committed_db)
    emulator.inject(case.endpoint, Fault(**case.fault))

    raised: Exception | None = None
    try:
        async with clones.temporary_clone(user_id, case_name, load_sample) as voice:
            await voice.synthesize(REQUEST)
    except AppError as exc:
        raised = exc
    emulator.config.chunk_size = 4096
    if case.raises is None:
        assert raised is None, f"unexpected {raised!r}"
    else:
        assert isinstance(raised, case.raises)

    (row,) = await committed_db.clones(user_id)
    if case.status_before_sweep is not None:
        assert row.status == case.status_before_sweep
    if case.error_before_sweep is not None:
        assert row.last_error is not None and row.last_error.startswith(case.error_before_sweep)
    if case.voices_before_sweep is not None:
        assert emulator.live_cloned == case.voices_before_sweep
    if case.status_before_sweep is CloneStatus.delete_failed:
        assert row.attempts == 1
        assert await committed_db.voice_clone_id(user_id) == row.provider_voice_id
        (warned,) = log_events("voice_clone.delete_failed")
        assert warned["level"] == "warning" and warned["voice_id"] == row.provider_voice_id

    # The provider recovers; the sweeper runs.
    emulator.clear_faults()
    await _server_done(emulator)
    sweeper = make_sweeper(elevenlabs, coordinator, committed_db, stale_after_s=120)
    await sweeper.sweep(trust_leases=True)

    assert emulator.cloned_voices() == []
    (row,) = await committed_db.clones(user_id)
    assert row.status == CloneStatus.deleted and row.deleted_at is not None
    assert await committed_db.voice_clone_id(user_id) is None
    if case.status_before_sweep is CloneStatus.delete_failed:
        assert row.attempts == 2, "one failed delete, one by the sweeper"
    # One audit line per clone: its life if it was created, its failure if not.
    if raised is not None and case.endpoint == "voices.add":
        (failed,) = log_events("voice_clone.create_failed")
        assert failed["user_id"] == str(user_id) and failed["request_id"] == case_name
        assert log_events("voice_clone.finished") == []
    else:
        (line,) = log_events("voice_clone.finished")
        assert line["user_id"] == str(user_id) and line["request_id"] == case_name
        assert line["latency_ms"] > 0 and line["clone_created_at"]
        deleted_by_perform = case.status_before_sweep is not CloneStatus.delete_failed
        assert (line["clone_deleted_at"] is not None) == deleted_by_perform
