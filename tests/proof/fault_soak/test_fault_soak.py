"""The fault soak, short form: 60 performs by 10 performers through the API while both
emulators fail at random at create, speak, delete and text (timeouts included); after one
sweep no voice of ours is left, no failed perform cost a character, and the provider never
held more voices than its limit. The long form is bench/fault_soak.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest

from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator
from tests.perform.conftest import (
    EmulatorServer,
    LiveFactory,
    RunningEmulator,
    elevenlabs_settings,
    gemini_settings,
)
from tests.proof.fault_soak import soak

PERFORMS = 60
USERS = 10
VOICE_LIMIT = 5  # fewer slots than performers: the slot workflow is part of what is soaked
SEED = 20261125


@pytest.fixture
def gemini(running_emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    hang_s = running_emulator.emulator.hang_s
    yield running_emulator
    running_emulator.emulator.reset()
    running_emulator.emulator.hang_s = hang_s


async def test_fault_soak(
    live_app: LiveFactory,
    emulator: ElevenLabsEmulator,
    emulator_server: EmulatorServer,
    gemini: RunningEmulator,
    good_webm: bytes,
) -> None:
    emulator.config.voice_limit = VOICE_LIMIT
    live = await live_app(
        **elevenlabs_settings(emulator_server), **gemini_settings(gemini), **soak.SOAK_SETTINGS
    )
    users = await asyncio.gather(*(live.performer(good_webm) for _ in range(USERS)))
    performers = [(uuid.UUID(user.user_id), user.headers) for user in users]
    await soak.inject_faults(emulator_server.url, gemini.base_url, seed=SEED)

    began = time.monotonic()
    outcomes = await soak.drive(live.client, performers, PERFORMS, seed=SEED, cap_s=30)
    seconds = time.monotonic() - began
    sweeper = live.app.state.voice_cloning.sweeper
    report = await soak.sweep_once(sweeper, emulator_server.url, gemini.base_url, trust_leases=True)
    figures = await soak.measure(
        sessionmaker=live.sessionmaker,
        settings=live.settings,
        elevenlabs_url=emulator_server.url,
        gemini_url=gemini.base_url,
        outcomes=outcomes,
        users=USERS,
        seconds=seconds,
        sweep=report,
    )
    print("\n".join(figures.lines()))

    assert figures.performs == PERFORMS
    assert figures.voices_left == 0
    assert figures.failed_charged == 0
    assert figures.peak_live <= VOICE_LIMIT
    assert figures.problems() == []
    # The soak soaked: faults landed on every step and some performs failed, some not.
    assert 0 < figures.outcomes["ok"] < PERFORMS
    assert figures.provider_faults > 0
    assert sum(n for fault, n in figures.text_faults.items() if fault != "ok") > 0
