"""100 performers at once against a 10-slot ElevenLabs emulator, through the official SDK.

    .venv/bin/python bench/clone_slots.py                       # in-process backend, 1 worker
    .venv/bin/python bench/clone_slots.py --redis redis://127.0.0.1:6379/2 --workers 2 4

Prints, per run: wall time, the emulator's peak of live voices, refused creates (should be 0),
slot wait and clone lifetime percentiles. The emulator runs in this process on a loopback
socket with per-call latencies that roughly mimic the vendor (see --latency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the worker processes run tests.voice_cloning.child


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(label: str, seconds: float, emu: Any, waits: list[float], lives: list[float]) -> None:
    refused = sum(1 for c in emu.calls if c.endpoint == "voices.add" and c.status != 200)
    print(
        f"{label:<28} wall {seconds:6.2f} s | peak live {emu.peak_live_cloned:2d} | "
        f"refused creates {refused} | left {emu.live_cloned} | "
        f"slot wait p50 {_percentile(waits, 0.5):5.2f} p95 {_percentile(waits, 0.95):5.2f} "
        f"max {max(waits, default=0):5.2f} s | lifetime p50 {_percentile(lives, 0.5):4.2f} "
        f"p95 {_percentile(lives, 0.95):4.2f} s"
    )


async def _users(sessionmaker: Any, count: int) -> list[uuid.UUID]:
    from newvisions.models import User

    ids = []
    async with sessionmaker() as session, session.begin():
        for n in range(count):
            user_id = uuid.uuid4()
            name = f"bench{n}x{user_id.hex[:6]}"
            session.add(
                User(
                    id=user_id,
                    username=name,
                    username_key=name,
                    email=f"{name}@example.com",
                    password_hash="not-a-hash",  # noqa: S106 - never logs in
                )
            )
            ids.append(user_id)
    return ids


async def in_process(args: argparse.Namespace, url: str, emu: Any, db_url: str) -> None:
    from tests.voice_cloning.child import REQUEST, _sample

    from newvisions.config.database import create_engine, create_sessionmaker
    from newvisions.config.settings import Settings
    from newvisions.voice_cloning.coordination import InProcessCoordinator
    from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
    from newvisions.voice_cloning.service import ClonePolicy, CloneService

    engine = create_engine(Settings(_env_file=None, database_url=db_url))  # type: ignore[call-arg]
    sessionmaker = create_sessionmaker(engine)
    users = await _users(sessionmaker, args.users)
    provider = ElevenLabsVoiceProvider(
        api_key="test-key",
        base_url=url,
        model_id="eleven_flash_v2_5",
        request_timeout_s=30,
        create_timeout_s=30,
        synthesis_timeout_s=30,
        delete_timeout_s=30,
        busy_retries=2,
    )
    clones = CloneService(
        provider=provider,
        coordinator=InProcessCoordinator(),
        sessionmaker=sessionmaker,
        policy=ClonePolicy(slot_wait_s=300, lease_s=30, slot_reserve=0, capacity_refresh_s=60),
    )
    waits: list[float] = []
    lives: list[float] = []

    async def perform(user_id: uuid.UUID) -> None:
        asked = time.monotonic()
        async with clones.temporary_clone(user_id, "bench", _sample) as voice:
            got = time.monotonic()
            waits.append(got - asked)
            await voice.synthesize(REQUEST)
        lives.append(time.monotonic() - got)

    started = time.monotonic()
    await asyncio.gather(*(perform(u) for u in users))
    _report("in-process, 1 worker", time.monotonic() - started, emu, waits, lives)
    await provider.aclose()
    await engine.dispose()


async def with_redis(
    args: argparse.Namespace, url: str, emu: Any, db_url: str, data_dir: str, workers: int
) -> None:
    from newvisions.config.database import create_engine, create_sessionmaker
    from newvisions.config.settings import Settings

    engine = create_engine(Settings(_env_file=None, database_url=db_url))  # type: ignore[call-arg]
    users = await _users(create_sessionmaker(engine), args.users)
    await engine.dispose()
    prefix = f"nvbench:{uuid.uuid4().hex[:8]}:"
    start_at = time.time() + 4
    shares = [users[i::workers] for i in range(workers)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.voice_cloning.child",
            "load",
            "--db",
            db_url,
            "--data-dir",
            data_dir,
            "--emulator",
            url,
            "--redis",
            args.redis,
            "--prefix",
            prefix,
            "--users",
            ",".join(str(u) for u in share),
            "--start-at",
            str(start_at),
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for share in shares
    ]
    outputs = [await p.communicate() for p in procs]
    waits: list[float] = []
    lives: list[float] = []
    seconds = 0.0
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            print(stderr.decode()[-2000:], file=sys.stderr)
            raise SystemExit(1)
        result = json.loads(stdout.decode().strip().splitlines()[-1])
        if result["errors"]:
            print("errors:", result["errors"][:5], file=sys.stderr)
        waits += result["waits"]
        lives += result["lifetimes"]
        seconds = max(seconds, result["seconds"])
    _report(f"redis, {workers} workers", seconds, emu, waits, lives)
    print(
        f"{'':<28} ok {len(lives)}/{args.users}, median lifetime {statistics.median(lives):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--slots", type=int, default=10)
    parser.add_argument("--redis", default="")
    parser.add_argument("--workers", type=int, nargs="*", default=[2])
    parser.add_argument(
        "--latency",
        default="voices.add=0.4,tts=0.5,voices.delete=0.15",
        help="per-endpoint seconds added by the emulator",
    )
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="nv-bench-")
    os.environ["NV_DATA_DIR"] = data_dir
    os.environ.pop("NV_DATABASE_URL", None)

    from alembic import command
    from tests.loopback import BackgroundServer

    from newvisions.cli import alembic_config
    from newvisions.utils.logging import configure_logging
    from newvisions.voice_cloning.providers.elevenlabs_emulator import (
        ElevenLabsEmulator,
        EmulatorConfig,
    )

    configure_logging(json_logs=False, level="WARNING")

    command.upgrade(alembic_config(), "head")
    db_url = f"sqlite+aiosqlite:///{data_dir}/newvisions.sqlite3"
    latency = {k: float(v) for k, v in (p.split("=") for p in args.latency.split(",") if p)}
    print(
        f"{args.users} performers, {args.slots} slots, emulator latency {latency}, "
        f"SQLite ledger, Python {sys.version.split()[0]}"
    )
    emu = ElevenLabsEmulator(EmulatorConfig(voice_limit=args.slots, latency_s=latency))
    with BackgroundServer(emu.app, on_stop=emu.close) as server:
        asyncio.run(in_process(args, server.url, emu, db_url))
        if args.redis:
            for workers in args.workers:
                emu.reset()
                asyncio.run(with_redis(args, server.url, emu, db_url, data_dir, workers))


if __name__ == "__main__":
    main()
