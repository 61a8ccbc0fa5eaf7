"""Real processes: one killed with SIGKILL mid-clone, and several workers sharing the slots
through Redis. The emulator runs in this process on a loopback socket."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr

from newvisions.app import create_app
from newvisions.config.settings import Settings, VoiceProviderName
from newvisions.models import CloneStatus
from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator, Fault
from tests.conftest import TEST_REDIS_URL
from tests.voice_cloning.conftest import (
    API_KEY,
    CommittedDb,
    EmulatorServer,
    _delete_redis_prefix,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.voice_cloning.child",
        *args,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _next_start(settings: Settings, db: CommittedDb, emulator_url: str) -> None:
    """Start the app as a fresh process would (lifespan included), and stop it again."""
    next_settings = settings.model_copy(
        update={
            "voice_provider": VoiceProviderName.elevenlabs,
            "elevenlabs_api_key": SecretStr(API_KEY),
            "elevenlabs_base_url": emulator_url,
            "redis_url": None,
            "voice_sweep_interval_s": 0,
        }
    )
    app = create_app(next_settings, engine=db.engine)
    async with app.router.lifespan_context(app):
        loop = app.state.voice_cloning.sweeper_loop
        await asyncio.wait_for(loop.first_pass_done.wait(), 30)


async def _wait_for(condition: object, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["while-live", "during-create"])
async def test_a_killed_worker_leaves_traces_the_next_start_sweeps(
    moment: str,
    emulator: ElevenLabsEmulator,
    emulator_server: EmulatorServer,
    committed_db: CommittedDb,
    settings: Settings,
    tmp_path: Path,
) -> None:
    (user_id,) = await committed_db.make_users(1)
    if moment == "during-create":
        # The create hangs; when the client dies the server still finishes it.
        emulator.inject("voices.add", Fault(status=None, hang_s=60, always=True))
    child = await _spawn(
        "crash",
        "--db",
        committed_db.url,
        "--data-dir",
        str(tmp_path),
        "--emulator",
        emulator_server.url,
        "--user",
        str(user_id),
    )
    try:
        if moment == "while-live":
            assert child.stdout is not None
            stdout = child.stdout

            async def live_line() -> bytes:
                while line := await stdout.readline():
                    if line.startswith(b"LIVE"):
                        return line
                raise AssertionError("the child ended before its clone was live")

            await asyncio.wait_for(live_line(), 60)
        else:
            await _wait_for(lambda: emulator.call_counts["voices.add"] >= 1, "the create call")
            await asyncio.sleep(0.2)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL
    emulator.clear_faults()
    await _wait_for(lambda: all(c.status is not None for c in emulator.calls), "late work")

    (row,) = await committed_db.clones(user_id)
    expected = CloneStatus.active if moment == "while-live" else CloneStatus.creating
    assert row.status == expected
    assert emulator.live_cloned == 1, "the dead process left its voice at the provider"

    await _next_start(settings, committed_db, emulator_server.url)

    assert emulator.cloned_voices() == []
    (row,) = await committed_db.clones(user_id)
    assert row.status == CloneStatus.deleted
    assert await committed_db.voice_clone_id(user_id) is None


@pytest.mark.slow
async def test_workers_in_two_processes_share_the_slots_through_redis(
    emulator: ElevenLabsEmulator,
    emulator_server: EmulatorServer,
    committed_db: CommittedDb,
    tmp_path: Path,
) -> None:
    if not TEST_REDIS_URL:
        pytest.skip("Redis backend: set NV_TEST_REDIS_URL")
    emulator.config.latency_s = {"tts": 0.2}
    users = await committed_db.make_users(40)
    prefix = f"nvtest:{uuid.uuid4().hex[:12]}:"
    start_at = time.time() + 3  # both workers begin together, after their imports
    halves = [users[:20], users[20:]]
    workers = [
        await _spawn(
            "load",
            "--db",
            committed_db.url,
            "--data-dir",
            str(tmp_path),
            "--emulator",
            emulator_server.url,
            "--redis",
            TEST_REDIS_URL,
            "--prefix",
            prefix,
            "--users",
            ",".join(str(u) for u in half),
            "--start-at",
            str(start_at),
        )
        for half in halves
    ]
    try:
        outputs = [await asyncio.wait_for(w.communicate(), 120) for w in workers]
    finally:
        from newvisions.voice_cloning.coordination import RedisCoordinator

        cleanup = RedisCoordinator.from_url(TEST_REDIS_URL, prefix=prefix)
        await _delete_redis_prefix(cleanup, prefix)
        await cleanup.aclose()
    results = []
    for worker, (stdout, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr.decode()[-2000:]
        results.append(json.loads(stdout.decode().strip().splitlines()[-1]))
    assert [r["ok"] for r in results] == [20, 20], [r["errors"] for r in results]
    assert emulator.voices_created == 40
    assert emulator.peak_live_cloned <= 10
    assert emulator.peak_live_cloned >= 10 // 2, "the clones did run side by side"
    refused = [c for c in emulator.calls if c.endpoint == "voices.add" and c.status != 200]
    assert refused == [], "the shared leases kept both workers within the 10 slots"
    assert emulator.cloned_voices() == []
    assert await committed_db.clones() == []  # nothing unfinished
