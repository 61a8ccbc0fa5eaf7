"""Crash proof: the real server as a process, killed with SIGKILL mid-perform, restarted.

Shared by the short form (tests/proof/test_crash.py, a few kills in `make test`) and the long
form (bench/crash.py, 20+ kills). Both run the ElevenLabs emulator and `newvisions serve` as
processes of their own, on an SQLite file or on PostgreSQL (+ Redis), and check after every
restart that what the killed process left is cleaned up by the start-up passes:

- no temporary voice of ours is left at the (emulated) provider,
- no quota reservation is still `reserved`, and no counter still holds reserved characters,
- no perform row is still `running` (an interrupted perform is `failed`, `perform_interrupted`),
- no clone ledger row is unfinished,
- a retry of an interrupted perform with its Idempotency-Key succeeds.

Where each kill lands is steered with the emulator's control plane: a slow text-to-speech call
holds a perform between clone creation and deletion, a slow create or delete holds it inside
those calls, and the call log tells when the perform got there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from asyncio.subprocess import Process
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from newvisions.activation import service as activation_service
from newvisions.config.database import create_sessionmaker
from newvisions.models import CloneStatus, MonthlyUsage, UsageEntry, UsageStatus, User, VoiceClone
from newvisions.models.perform import Perform, PerformStatus
from newvisions.voice_cloning.coordination import REDIS_KEY_PREFIX
from tests.factories import sign_up, upload_recording

API_KEY = "crash-key"
PASSWORD = "crash test password"
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]

# Where a kill is aimed. "live": the clone exists, speech is being made (between create and
# delete); "create"/"delete": inside those provider calls; "before": as soon as a quota
# reservation exists (note, slot, before the clone); "after": once a clone was deleted (memo
# rendering, quota commit); "random": 0-1 s after the requests, no steering at all.
MOMENTS = ("live", "live", "live", "create", "delete", "before", "after", "random")
SLOW_S = 2.0  # how long a steered provider call takes (by default)


def free_port(lo: int, hi: int) -> int:
    for port in random.sample(range(lo, hi + 1), hi - lo + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {lo}-{hi}")


@dataclass
class Performer:
    user_id: uuid.UUID
    username: str
    headers: dict[str, str]


@dataclass
class Kill:
    number: int
    aimed: str
    performs: int
    at_kill: dict[str, int]
    left: dict[str, int]
    after: dict[str, int]
    up_s: float
    recovered_s: float
    retried: dict[str, int]
    violations: list[str] = field(default_factory=list)

    @property
    def landed(self) -> str:
        if self.at_kill["creating"]:
            where = "during create"
        elif self.at_kill["live"] and self.at_kill["deleting"]:
            where = "between create and delete (a delete in flight)"
        elif self.at_kill["live"]:
            where = "between create and delete"
        elif self.at_kill["deleting"]:
            where = "during delete"
        elif self.at_kill["created"] == 0:
            where = "before any clone"
        else:
            where = "after delete"
        return where

    def line(self) -> str:
        ok = "ok" if not self.violations else "VIOLATION: " + "; ".join(self.violations)
        return (
            f"kill {self.number:>2} aimed {self.aimed:<6} landed {self.landed:<47} "
            f"left: voices {self.left['voices']} running {self.left['running']} "
            f"reserved {self.left['reserved']} clones {self.left['clones']} | "
            f"restart: up {self.up_s:4.1f} s, clean +{self.recovered_s:4.1f} s | retries "
            f"{self.retried.get('200', 0)}/{sum(self.retried.values())} ok | {ok}"
        )


class CrashRig:
    """The emulator and the server as processes, and what the checks read."""

    def __init__(
        self,
        workdir: Path,
        *,
        database_url: str | None,
        redis_url: str | None,
        ports: tuple[int, int],
        seed: int,
        slow_s: float = SLOW_S,
        log: Any = print,
    ) -> None:
        self.slow_s = slow_s
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.database_url = (
            database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'crash.sqlite3').as_posix()}"
        )
        self.redis_url = redis_url
        self.ports = ports
        self.rng = random.Random(seed)
        self._emulator_port = free_port(*ports)
        self.emulator_url = f"http://127.0.0.1:{self._emulator_port}"
        self.log = log
        self.emulator: Process | None = None
        self.server: Process | None = None
        self.starts = 0
        self.performers: list[Performer] = []
        self.engine: AsyncEngine | None = None
        # With Redis a killed worker's leases live on until they expire: keep them short.
        self.lease_s = 2.0 if redis_url else 30.0

    # ------------------------------------------------------------------ processes

    def server_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NV_")}
        env.update(
            {
                "NV_ENVIRONMENT": "development",
                "NV_DATA_DIR": str(self.data_dir),
                "NV_DATABASE_URL": self.database_url,
                "NV_JWT_SECRET": "crash-secret-" + "c" * 40,
                "NV_VOICE_PROVIDER": "elevenlabs",
                "NV_ELEVENLABS_API_KEY": API_KEY,
                "NV_ELEVENLABS_BASE_URL": self.emulator_url,
                "NV_RATE_LIMITS_ENABLED": "false",
                "NV_MONTHLY_CHAR_LIMIT": "1000000",
                "NV_LOG_JSON": "true",
                "NV_LOG_LEVEL": "INFO",
                "NV_VOICE_SLOT_LEASE_S": str(self.lease_s),
                "NV_VOICE_SWEEP_INTERVAL_S": "1" if self.redis_url else "60",
                "NV_QUOTA_SWEEP_INTERVAL_SECONDS": "1" if self.redis_url else "60",
            }
        )
        if self.redis_url:
            env["NV_REDIS_URL"] = self.redis_url
        return env

    async def start_emulator(self) -> None:
        port = self._emulator_port
        self.emulator = await asyncio.create_subprocess_exec(
            str(BIN / "newvisions"),
            *("emulate", "elevenlabs", "--port", str(port), "--api-key", API_KEY),
            *("--voice-limit", "30"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await self._wait_up(f"{self.emulator_url}/_emulator/state", self.emulator, "emulator")

    async def start_server(self, *, migrate: bool = True) -> float:
        """Start `newvisions serve`; returns the seconds until it answered."""
        began = time.monotonic()
        port = free_port(*self.ports)
        while port == self._emulator_port:
            port = free_port(*self.ports)
        self.server_url = f"http://127.0.0.1:{port}"
        self.starts += 1
        self.server_log = self.workdir / f"server-{self.starts}.log"
        options = () if migrate else ("--no-migrate",)
        with self.server_log.open("wb") as out:
            self.server = await asyncio.create_subprocess_exec(
                str(BIN / "newvisions"),
                *("serve", "--port", str(port), "--no-bootstrap", *options),
                env=self.server_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        await self._wait_up(f"{self.server_url}/api/health", self.server, "server")
        return time.monotonic() - began

    async def _wait_up(self, url: str, process: Process, what: str) -> None:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    raise RuntimeError(
                        f"the {what} exited with {process.returncode}{self._log_tail(what)}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(url)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the {what} did not start")

    def _log_tail(self, what: str) -> str:
        if what != "server" or not self.server_log.exists():
            return ""
        return "; its log ends:\n" + "\n".join(self.server_log.read_text().splitlines()[-15:])

    async def kill_server(self) -> None:
        assert self.server is not None
        os.kill(self.server.pid, signal.SIGKILL)
        await asyncio.wait_for(self.server.wait(), 10)
        assert self.server.returncode == -signal.SIGKILL

    async def stop(self) -> None:
        for process in (self.server, self.emulator):
            if process is not None and process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await asyncio.wait_for(process.wait(), 5)
        if self.engine is not None:
            await self.engine.dispose()

    # ------------------------------------------------------------------ the emulator

    async def emulator_state(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.emulator_url, timeout=10) as client:
            state: dict[str, Any] = (await client.get("/_emulator/state")).json()
            return state

    async def slow(self, endpoint: str, seconds: float) -> None:
        fault = {"status": None, "latency_s": seconds, "always": True}
        async with httpx.AsyncClient(base_url=self.emulator_url, timeout=10) as client:
            (await client.post(f"/_emulator/faults/{endpoint}", json=fault)).raise_for_status()

    async def clear_faults(self) -> None:
        async with httpx.AsyncClient(base_url=self.emulator_url, timeout=10) as client:
            (await client.delete("/_emulator/faults")).raise_for_status()

    # ------------------------------------------------------------------ accounts

    async def db(self) -> AsyncEngine:
        if self.engine is None:
            connect_args = {"timeout": 30} if self.database_url.startswith("sqlite") else {}
            self.engine = create_async_engine(self.database_url, connect_args=connect_args)
        return self.engine

    async def make_performers(self, count: int, recording: bytes) -> None:
        engine = await self.db()
        async with create_sessionmaker(engine).begin() as session:
            codes = await activation_service.generate_codes(session, count)
        async with httpx.AsyncClient(base_url=self.server_url, timeout=60) as client:
            for code in codes:
                username = f"crash{uuid.uuid4().hex[:10]}"
                user = await sign_up(client, code.code, username=username, password=PASSWORD)
                await upload_recording(client, user.headers, recording)
                performer = Performer(uuid.UUID(user.user_id), username, user.headers)
                self.performers.append(performer)

    async def forget_performers(self) -> None:
        engine = await self.db()
        ids = [p.user_id for p in self.performers]
        if ids:
            async with create_sessionmaker(engine).begin() as session:
                await session.execute(delete(User).where(User.id.in_(ids)))

    # ------------------------------------------------------------------ what is left

    async def leftovers(self) -> dict[str, int]:
        """Voices of ours at the provider, and rows a dead perform could leave unfinished."""
        voices = len((await self.emulator_state())["cloned_voices"])
        users = [p.user_id for p in self.performers]
        queries = {
            "running": select(func.count())
            .select_from(Perform)
            .where(Perform.status == PerformStatus.running, Perform.user_id.in_(users)),
            "reserved": select(func.count())
            .select_from(UsageEntry)
            .where(UsageEntry.status == UsageStatus.reserved, UsageEntry.user_id.in_(users)),
            "held_chars": select(func.coalesce(func.sum(MonthlyUsage.reserved), 0)).where(
                MonthlyUsage.user_id.in_(users)
            ),
            "clones": select(func.count())
            .select_from(VoiceClone)
            .where(VoiceClone.status != CloneStatus.deleted, VoiceClone.user_id.in_(users)),
        }
        engine = await self.db()
        found = {"voices": voices}
        async with engine.connect() as connection:
            for name, query in queries.items():
                found[name] = int((await connection.execute(query)).scalar_one())
        return found

    # ------------------------------------------------------------------ one kill

    async def _fire(
        self, client: httpx.AsyncClient, performer: Performer, key: str, value: str
    ) -> int:
        try:
            response = await client.post(
                "/api/perform",
                json={"routine": "numbers", "value": value},
                headers={**performer.headers, "Idempotency-Key": key},
            )
        except httpx.TransportError:
            return -1  # the server died under it: the point of the exercise
        return response.status_code

    async def _wait_for_call(
        self, endpoint: str, *, done: bool, since: int, timeout_s: float = 20
    ) -> None:
        """Until a call to `endpoint` made after the first `since` calls started (or ended)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            calls = (await self.emulator_state())["calls"][since:]
            if any(c["endpoint"] == endpoint and (c["status"] is not None) == done for c in calls):
                return
            await asyncio.sleep(0.01)
        raise RuntimeError(f"no {endpoint} call {'finished' if done else 'started'} in time")

    async def _wait_for_running(self, performers: list[Performer], timeout_s: float = 20) -> None:
        users = [p.user_id for p in performers]
        query = (
            select(func.count())
            .select_from(UsageEntry)
            .where(UsageEntry.status == UsageStatus.reserved, UsageEntry.user_id.in_(users))
        )
        engine = await self.db()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            async with engine.connect() as connection:
                if (await connection.execute(query)).scalar_one():
                    return
            await asyncio.sleep(0.005)
        raise RuntimeError("no perform reserved its quota in time")

    async def _at_kill(self, calls_before: int) -> dict[str, int]:
        state = await self.emulator_state()
        calls = state["calls"][calls_before:]

        def count(endpoint: str, *, done: bool) -> int:
            return sum(
                1 for c in calls if c["endpoint"] == endpoint and (c["status"] is not None) == done
            )

        return {
            "live": state["live_cloned"],
            "creating": count("voices.add", done=False),
            "created": sum(
                1 for c in calls if c["endpoint"] == "voices.add" and c["status"] == 200
            ),
            "deleting": count("voices.delete", done=False),
        }

    async def _settled(self, timeout_s: float = 30) -> None:
        """Every call the dead server left in flight has finished at the emulator."""
        deadline = time.monotonic() + timeout_s
        while any(c["status"] is None for c in (await self.emulator_state())["calls"]):
            if time.monotonic() > deadline:
                raise RuntimeError("emulator calls still in flight")
            await asyncio.sleep(0.05)

    async def one_kill(self, number: int, aimed: str, clean_within_s: float) -> Kill:
        performers = self.rng.sample(self.performers, k=min(len(self.performers), 3))
        keys = {p.user_id: f"crash-{number}-{uuid.uuid4().hex[:8]}" for p in performers}
        values = {p.user_id: f"{self.rng.randrange(100):02d}" for p in performers}
        calls_before = len((await self.emulator_state())["calls"])
        if aimed == "live":
            await self.slow("tts", self.slow_s)
        elif aimed == "create":
            await self.slow("voices.add", self.slow_s)
        elif aimed == "delete":
            await self.slow("voices.delete", self.slow_s)
        async with httpx.AsyncClient(base_url=self.server_url, timeout=60) as client:
            fired = [
                asyncio.create_task(self._fire(client, p, keys[p.user_id], values[p.user_id]))
                for p in performers
            ]
            if aimed == "live":
                await self._wait_for_call("tts", done=False, since=calls_before)
                await asyncio.sleep(self.rng.uniform(0.0, self.slow_s * 0.7))
            elif aimed == "create":
                await self._wait_for_call("voices.add", done=False, since=calls_before)
                await asyncio.sleep(self.rng.uniform(0.0, self.slow_s * 0.7))
            elif aimed == "delete":
                await self._wait_for_call("voices.delete", done=False, since=calls_before)
                await asyncio.sleep(self.rng.uniform(0.0, self.slow_s * 0.7))
            elif aimed == "after":
                await self._wait_for_call("voices.delete", done=True, since=calls_before)
                await asyncio.sleep(self.rng.uniform(0.0, 0.05))
            elif aimed == "before":
                await self._wait_for_running(performers)  # reserved, before the clone
            else:
                await asyncio.sleep(self.rng.uniform(0.0, 1.0))
            await self.kill_server()
            at_kill = await self._at_kill(calls_before)
            await asyncio.gather(*fired)
        await self.clear_faults()
        await self._settled()
        left = await self.leftovers()

        up_s = await self.start_server(migrate=False)
        began = time.monotonic()
        after = await self.leftovers()
        while any(after.values()) and time.monotonic() - began < clean_within_s:
            await asyncio.sleep(0.1)
            after = await self.leftovers()
        recovered_s = time.monotonic() - began

        kill = Kill(number, aimed, len(performers), at_kill, left, after, up_s, recovered_s, {})
        kill.violations = [f"{name} {value}" for name, value in after.items() if value]
        # The product's answer to a phone retrying the interrupted perform: run it again
        # (the access tokens outlive the restart).
        async with httpx.AsyncClient(base_url=self.server_url, timeout=60) as client:
            statuses = await asyncio.gather(
                *(self._fire(client, p, keys[p.user_id], values[p.user_id]) for p in performers)
            )
        for status in statuses:
            kill.retried[str(status)] = kill.retried.get(str(status), 0) + 1
        if any(status != 200 for status in statuses):
            kill.violations.append(f"retries answered {sorted(statuses)}")
            alive = self.server is not None and self.server.returncode is None
            kill.violations.append(
                "the server is still running"
                if alive
                else f"the server died{self._log_tail('server')}"
            )
        final = await self.leftovers()
        if any(final.values()):
            kill.violations.append(f"after the retries: {final}")
        return kill


def moments(kills: int, rng: random.Random) -> Iterator[str]:
    """Every kind of moment at least once (when there are enough kills), then at random."""
    planned = list(dict.fromkeys(MOMENTS))[:kills]
    planned += [rng.choice(MOMENTS) for _ in range(kills - len(planned))]
    rng.shuffle(planned)
    yield from planned


def totals(kills: list[Kill]) -> dict[str, Any]:
    landed: dict[str, int] = {}
    for kill in kills:
        landed[kill.landed] = landed.get(kill.landed, 0) + 1
    return {
        "kills": len(kills),
        "landed": landed,
        "between_create_and_delete": sum(1 for k in kills if k.at_kill["live"]),
        "left_by_the_kills": {
            name: sum(k.left[name] for k in kills) for name in ("voices", "running", "reserved")
        },
        "left_after_restart": {name: sum(k.after[name] for k in kills) for name in kills[0].after}
        if kills
        else {},
        "slowest_restart_s": round(max((k.up_s for k in kills), default=0.0), 1),
        "slowest_clean_after_up_s": round(max((k.recovered_s for k in kills), default=0.0), 1),
        "retries_ok": sum(k.retried.get("200", 0) for k in kills),
        "retries": sum(sum(k.retried.values()) for k in kills),
        "violations": sum(1 for k in kills if k.violations),
    }


async def run(
    workdir: Path,
    recording: bytes,
    *,
    kills: int,
    database_url: str | None,
    redis_url: str | None,
    ports: tuple[int, int],
    seed: int,
    performers: int = 4,
    aim: list[str] | None = None,
    slow_s: float = SLOW_S,
    log: Any = print,
) -> list[Kill]:
    rig = CrashRig(
        workdir,
        database_url=database_url,
        redis_url=redis_url,
        ports=ports,
        seed=seed,
        slow_s=slow_s,
        log=log,
    )
    # SQLite, one worker: the new process sees every lease, so the start-up passes clean up at
    # once. Redis: a dead worker's leases expire first (lease + a sweep interval).
    clean_within_s = 10.0 if redis_url is None else rig.lease_s * 2 + 5
    done: list[Kill] = []
    if redis_url:
        await forget_redis_keys(redis_url)  # a previous run's leases and leadership
    try:
        # Both at once: the server only calls the emulator once it is up.
        started, _ = await asyncio.gather(rig.start_server(), rig.start_emulator())
        log(f"server up in {started:.1f} s ({'redis' if redis_url else 'no redis'})")
        await rig.make_performers(performers, recording)
        for number, aimed in enumerate(aim or moments(kills, rig.rng), start=1):
            kill = await rig.one_kill(number, aimed, clean_within_s)
            log(kill.line())
            done.append(kill)
    finally:
        with contextlib.suppress(Exception):
            await rig.forget_performers()
        await rig.stop()
        if redis_url:
            await forget_redis_keys(redis_url)
    log(json.dumps(totals(done)))
    return done


async def forget_redis_keys(url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{REDIS_KEY_PREFIX}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
