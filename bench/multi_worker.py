"""Multi-worker proof, long form: `newvisions serve --workers N` on PostgreSQL + Redis, many
performers at once against a small-slot ElevenLabs emulator in its own process.

    PYTHONPATH=. .venv/bin/python bench/multi_worker.py [--users 100 --workers 2]

PostgreSQL and Redis come from --database-url/--redis-url or NV_TEST_DATABASE_URL and
NV_TEST_REDIS_URL; a scratch database is created next to the given one and dropped afterwards,
and the server's `nv:voice:*` keys in that Redis database are cleared before and after.

Checks (exit status 1 on any violation): every perform answers 200 or 503 voice_slots_busy;
the emulator refused no create (the workers never asked for more voices than slots; its peak of
live voices is printed too); one performer's clones never overlap
in time, although several performers send 2-3 performs at once that land on different workers
(emulator call log + clone ledger); the performs spread over the workers (pid on the server's
JSON log lines); nothing is left behind (voices, leases, locks, ledger rows, running performs).
Prints counts by outcome, peak live voices, overlap violations and p50/p95 latency.

Negative control: --without-redis runs the same workers with per-process coordination; it
must report violations (refused creates, overlapping clones of one performer).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.proof.multi_worker import Scenario, run


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--voice-limit", type=int, default=10, help="emulator slots")
    parser.add_argument(
        "--crowded-users", type=int, default=10, help="performers sending several performs at once"
    )
    parser.add_argument("--performs-per-crowded-user", type=int, default=3)
    parser.add_argument("--create-latency", type=float, default=0.4)
    parser.add_argument("--tts-latency", type=float, default=0.3)
    parser.add_argument("--delete-latency", type=float, default=0.15)
    parser.add_argument("--slot-wait", type=float, default=15.0, help="NV_VOICE_SLOT_WAIT_S")
    parser.add_argument("--ports", default=None, help="port range FIRST-LAST (default: any)")
    parser.add_argument("--database-url", default=os.environ.get("NV_TEST_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("NV_TEST_REDIS_URL", ""))
    parser.add_argument(
        "--without-redis",
        action="store_true",
        help="negative control: the workers coordinate only within their own process "
        "(expected to report violations)",
    )
    parser.add_argument(
        "--keep-logs", type=Path, default=None, help="copy the server and emulator logs here"
    )
    args = parser.parse_args()
    if args.without_redis:
        args.redis_url = ""
    elif not args.redis_url:
        parser.error("needs Redis: --redis-url or NV_TEST_REDIS_URL (or --without-redis)")
    if not args.database_url.startswith("postgresql"):
        parser.error("needs PostgreSQL: --database-url or NV_TEST_DATABASE_URL")
    ports = None
    if args.ports:
        first, _, last = args.ports.partition("-")
        ports = (int(first), int(last))
    scenario = Scenario(
        database_url=args.database_url,
        redis_url=args.redis_url,
        users=args.users,
        workers=args.workers,
        voice_limit=args.voice_limit,
        crowded_users=args.crowded_users,
        performs_per_crowded_user=args.performs_per_crowded_user,
        create_latency_s=args.create_latency,
        tts_latency_s=args.tts_latency,
        delete_latency_s=args.delete_latency,
        slot_wait_s=args.slot_wait,
        ports=ports,
    )
    report = asyncio.run(run(scenario, keep_logs=args.keep_logs))
    print("\n".join(report.lines()))
    return 1 if report.violations() else 0


if __name__ == "__main__":
    raise SystemExit(main())
