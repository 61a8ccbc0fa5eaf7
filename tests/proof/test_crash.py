"""Crash proof, short form: the real server as a process, SIGKILLed three times mid-perform
(twice while a clone is live, once during its creation), restarted each time; after the
start-up passes nothing is left: no voice at the provider, no held quota, no perform stuck
`running`, and the interrupted performs succeed when retried. The long form is bench/crash.py.

On SQLite by default; on PostgreSQL and Redis with NV_TEST_DATABASE_URL / NV_TEST_REDIS_URL.
(The clone workflow alone killed mid-clone is tests/voice_cloning/test_processes.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.proof.crash_rig import run, totals
from tests.voice_cloning.recording.conftest import good_webm, speech  # noqa: F401

PORTS = (20_000, 60_000)


@pytest.mark.slow
async def test_kill_9_mid_perform_leaves_nothing_behind(
    tmp_path: Path,
    good_webm: bytes,  # noqa: F811
) -> None:
    lines: list[str] = []
    kills = await run(
        tmp_path,
        good_webm,
        kills=3,
        database_url=TEST_DATABASE_URL or None,
        redis_url=TEST_REDIS_URL if TEST_DATABASE_URL else None,
        ports=PORTS,
        seed=3,
        performers=2,
        aim=["live", "create", "live"],
        slow_s=1.0,
        log=lines.append,
    )
    report = "\n".join(lines)
    assert len(kills) == 3, report
    assert [k.violations for k in kills] == [[], [], []], report
    summary = totals(kills)
    assert summary["between_create_and_delete"] >= 2, report
    assert summary["left_by_the_kills"]["voices"] >= 1, "the kills did leave voices to sweep"
    assert summary["left_by_the_kills"]["running"] >= 3, report
    assert summary["left_after_restart"] == dict.fromkeys(kills[0].after, 0), report
    assert summary["retries_ok"] == summary["retries"] == 6, report
