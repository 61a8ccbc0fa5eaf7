"""With several worker processes, a scrape counts every worker's samples, not only its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest
from starlette.requests import Request

from newvisions.cli import share_metrics_between_workers
from newvisions.utils.metrics import MULTIPROCESS_DIR_ENV, metrics_endpoint

WORKER = """
import sys
from newvisions.utils.metrics import forget_live_metrics_of_this_process
from newvisions.voice_cloning import metrics
metrics.CLONE_CREATES.labels("elevenlabs", "ok").inc()
metrics.LIVE_CLONES.labels("elevenlabs").inc()
if sys.argv[1] == "stops":
    forget_live_metrics_of_this_process()
"""


async def test_a_scrape_sums_the_samples_of_every_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_99999.db").write_bytes(b"left over from an earlier run")
    monkeypatch.setenv(MULTIPROCESS_DIR_ENV, "")  # restored to what it was after the test
    monkeypatch.delenv(MULTIPROCESS_DIR_ENV)
    share_metrics_between_workers(directory)
    assert os.environ[MULTIPROCESS_DIR_ENV] == str(directory)
    assert not (directory / "counter_99999.db").exists()

    # Two "workers", each its own process; the second one stops the way a worker does.
    for how in ("killed", "stops"):
        await anyio.run_process([sys.executable, "-c", WORKER, how], check=True)

    response = await metrics_endpoint(Request({"type": "http", "method": "GET", "headers": []}))
    body = bytes(response.body).decode()
    assert 'nv_voice_clone_creates_total{outcome="ok",provider="elevenlabs"} 2.0' in body
    # The live-clone gauge counts workers that have not stopped cleanly (a killed one stays).
    assert 'nv_voice_clones_live{provider="elevenlabs"} 1.0' in body
