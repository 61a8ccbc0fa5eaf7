"""The load benchmark's machinery, briefly: real server, Locust on both routes, sane figures.

Runs bench/load.py's own code for a couple of seconds (no timing assertions: the machine is
shared). SQLite in a temporary directory; Redis too when NV_TEST_REDIS_URL is set.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from bench.load import BARE_PATH, ME_PATH, Target, run


def test_the_load_benchmark_runs_and_reports_both_routes(tmp_path: Path) -> None:
    target = Target(tmp_path, redis_url=os.environ.get("NV_TEST_REDIS_URL", ""))
    results = run(target, users=2, seconds=2, performs=0, concurrency=[], pin=True, warm=5)

    load = results.load
    assert set(load.routes) == {ME_PATH, BARE_PATH}
    for route in load.routes.values():
        assert route.failures == 0, (route, load.errors)
        assert route.requests > 0, route
        assert route.rps > 0, route
        assert 0 < route.p50_ms <= route.p99_ms, route
    assert math.isfinite(load.ratio) and load.ratio > 0, load
    assert load.server_cpu_s > 0, load
    assert results.performs == []
    # The server wrote its request log: the authenticated route answered 200 throughout.
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert '"route": "/api/users/me"' in log
    assert '"status": 401' not in log
