"""Many performers at once against `newvisions serve --workers N` on PostgreSQL + Redis.

The proof has three processes of the product: the ElevenLabs emulator (`newvisions emulate
elevenlabs`, a small slot limit), the server with several uvicorn workers (started exactly as
a deployment starts it: migrations, first-run admin, then the workers), and this client.
Everything it checks is observed from outside:

- every perform answers 200, or 503 with the error code `voice_slots_busy`, nothing else;
- the workers never asked for more voices than there are slots: the emulator refused no
  create (it refuses beyond its limit, so its peak counter alone could not show it);
- one performer's clones never overlap in time, although the same performer sends several
  performs at once and they land on different workers: each clone's life at the provider is
  taken from the emulator's call log (from the start of its create call to the end of its
  delete call) and matched to its performer through the clone ledger (voice `nv-<clone id>`);
- the requests really spread over the workers (the pid on the server's JSON log lines);
- afterwards no voice, slot lease, user lock or unfinished ledger row is left behind.

The database is a scratch database created next to the one given and dropped afterwards.
`bench/multi_worker.py` runs the long form, tests/proof/test_multi_worker.py a short one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from tests.factories import sign_up, upload_recording

REPO = Path(__file__).resolve().parents[2]
NEWVISIONS = Path(sys.executable).with_name("newvisions")
API_KEY = "multi-worker-key"
PASSWORD = "multi worker password 1"  # throwaway local accounts
REDIS_PREFIX = "nv:voice:"  # the server's own key prefix (coordination.REDIS_KEY_PREFIX)
VALUES = [("cards", "Q of Clubs"), ("numbers", "37"), ("star-signs", "Scorpio"), ("names", "Lucy")]
ALLOWED_ERRORS = frozenset({"voice_slots_busy"})


@dataclass
class Scenario:
    database_url: str  # PostgreSQL; a scratch database is made next to it
    redis_url: str  # "" runs the workers without Redis: a negative control, it must fail
    users: int = 100
    workers: int = 2
    voice_limit: int = 10
    crowded_users: int = 10  # performers who send several performs at the same moment
    performs_per_crowded_user: int = 3
    create_latency_s: float = 0.4  # the emulator's pace, roughly the vendor's
    tts_latency_s: float = 0.3
    delete_latency_s: float = 0.15
    slot_wait_s: float = 15.0  # NV_VOICE_SLOT_WAIT_S (the product default)
    request_timeout_s: float = 120.0
    ports: tuple[int, int] | None = None  # (first, last) to pick from; None: any free port
    log: bool = True  # progress lines on stderr

    @property
    def performs(self) -> int:
        return self.users + self.crowded_users * (self.performs_per_crowded_user - 1)


@dataclass
class PerformOutcome:
    user: int
    request_id: str
    status: int
    error: str | None
    seconds: float

    @property
    def outcome(self) -> str:
        return "200 ok" if self.status == 200 else f"{self.status} {self.error}"


@dataclass
class Report:
    scenario: Scenario
    started_at: str = ""
    wall_s: float = 0.0
    outcomes: list[PerformOutcome] = field(default_factory=list)
    peak_live_voices: int = 0
    voices_created: int = 0
    refused_creates: int = 0  # creates the emulator answered with "slots full"
    voices_left: int = 0
    overlaps: list[str] = field(default_factory=list)
    crowded_users_across_workers: int = 0  # crowded users whose performs hit >1 worker
    perform_pids: Counter[int] = field(default_factory=Counter)
    worker_pids_started: int = 0
    leftover_redis_keys: list[str] = field(default_factory=list)
    unfinished_clones: int = 0
    performs_running: int = 0
    server_errors: list[str] = field(default_factory=list)  # ERROR lines in the server log
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent in each phase

    @property
    def counts(self) -> Counter[str]:
        return Counter(o.outcome for o in self.outcomes)

    def latency(self, q: float) -> float:
        return _percentile([o.seconds for o in self.outcomes], q)

    def violations(self) -> list[str]:
        found = []
        wrong = [o for o in self.outcomes if not _allowed(o)]
        if wrong:
            found.append(
                f"{len(wrong)} performs answered something else than 200 or 503 "
                f"voice_slots_busy: {Counter(o.outcome for o in wrong)}"
            )
        if len(self.outcomes) != self.scenario.performs:
            found.append(f"{len(self.outcomes)} answers for {self.scenario.performs} performs")
        if self.peak_live_voices > self.scenario.voice_limit:
            found.append(
                f"peak live voices {self.peak_live_voices} > limit {self.scenario.voice_limit}"
            )
        if self.refused_creates:
            # The emulator refuses a create beyond its limit, so its peak can never exceed
            # it: a refused create is how "more voices than slots" shows.
            found.append(
                f"{self.refused_creates} creates refused by the provider: the workers together "
                "asked for more voices than there are slots"
            )
        found += [f"overlap: {o}" for o in self.overlaps]
        if self.voices_left:
            found.append(f"{self.voices_left} voices left at the provider")
        if self.leftover_redis_keys:
            found.append(f"Redis keys left: {self.leftover_redis_keys}")
        if self.unfinished_clones:
            found.append(f"{self.unfinished_clones} clone ledger rows not finished")
        if self.performs_running:
            found.append(f"{self.performs_running} performs still marked running")
        if self.server_errors:
            found.append(f"{len(self.server_errors)} ERROR lines, first: {self.server_errors[0]}")
        if self.scenario.workers > 1:
            if self.worker_pids_started < self.scenario.workers:
                found.append(f"only {self.worker_pids_started} workers started")
            if len(self.perform_pids) < 2:
                found.append(f"the performs did not spread over the workers: {self.perform_pids}")
            if self.scenario.crowded_users and not self.crowded_users_across_workers:
                found.append("no performer's simultaneous performs reached two workers")
        if not self.counts.get("200 ok"):
            found.append("no perform succeeded")
        return found

    def lines(self) -> list[str]:
        s = self.scenario
        out = [
            f"multi-worker proof, {self.started_at}: {s.users} performers "
            f"({s.crowded_users} of them sending {s.performs_per_crowded_user} performs at once) "
            f"= {len(self.outcomes)} performs at once; {s.workers} workers, emulator limit "
            f"{s.voice_limit} slots; PostgreSQL + "
            + ("Redis" if s.redis_url else "NO Redis (per-process coordination)"),
            f"  emulator pace: create {s.create_latency_s} s, tts {s.tts_latency_s} s, delete "
            f"{s.delete_latency_s} s; slot wait {s.slot_wait_s} s",
            f"  wall {self.wall_s:.2f} s (phases: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items())
            + ")",
            "  outcomes: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items())),
            f"  latency p50 {self.latency(0.5):.2f} s, p95 {self.latency(0.95):.2f} s, "
            f"max {max((o.seconds for o in self.outcomes), default=0):.2f} s",
            f"  peak live voices {self.peak_live_voices} (limit {s.voice_limit}); "
            f"voices created {self.voices_created}; refused creates {self.refused_creates}; "
            f"left {self.voices_left}",
            f"  per-user overlap violations: {len(self.overlaps)} "
            f"({self.crowded_users_across_workers} of {s.crowded_users} crowded performers "
            "had their simultaneous performs served by more than one worker)",
            f"  performs per worker pid: {dict(self.perform_pids)} "
            f"({self.worker_pids_started} workers started)",
            f"  afterwards: Redis keys left {len(self.leftover_redis_keys)}, unfinished ledger "
            f"rows {self.unfinished_clones}, performs still running {self.performs_running}, "
            f"server ERROR lines {len(self.server_errors)}",
        ]
        violations = self.violations()
        out.append(
            "  VIOLATIONS:\n    " + "\n    ".join(violations) if violations else "  no violation"
        )
        return out


def _allowed(outcome: PerformOutcome) -> bool:
    return outcome.status == 200 or (outcome.status == 503 and outcome.error in ALLOWED_ERRORS)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------------- processes


def _free_port(scenario: Scenario, taken: set[int]) -> int:
    candidates = range(scenario.ports[0], scenario.ports[1] + 1) if scenario.ports else [0]
    for candidate in candidates:
        if candidate in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port = int(probe.getsockname()[1])
        taken.add(port)
        return port
    raise RuntimeError(f"no free port in {scenario.ports}")


@contextlib.asynccontextmanager
async def _scratch_database(url: str) -> AsyncIterator[str]:
    """A fresh database on the same server (the server migrates it), dropped afterwards."""
    base = make_url(url)
    name = f"{base.database}_mw_{uuid.uuid4().hex[:8]}"
    connect = {
        "host": base.host or "127.0.0.1",
        "port": base.port or 5432,
        "user": base.username,
        "password": base.password,
        "database": base.database,
    }
    admin = await asyncpg.connect(**connect)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(**connect)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def _env(
    scenario: Scenario, database_url: str, data_dir: Path, emulator_url: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NV_")}
    env.update(
        PYTHONUNBUFFERED="1",
        # A deployment: production settings, JSON logs (each line names its worker's pid).
        NV_ENVIRONMENT="production",
        NV_JWT_SECRET=secrets.token_urlsafe(48),
        NV_DATABASE_URL=database_url,
        NV_DATA_DIR=str(data_dir),
        NV_LOG_JSON="true",
        NV_LOG_LEVEL="INFO",
        NV_VOICE_PROVIDER="elevenlabs",
        NV_ELEVENLABS_API_KEY=API_KEY,
        NV_ELEVENLABS_BASE_URL=emulator_url,
        NV_VOICE_SLOT_WAIT_S=str(scenario.slot_wait_s),
        NV_MONTHLY_CHAR_LIMIT="1000000",  # the quota is not what is proven here
        # Every performer registers and logs in from this one address.
        NV_REGISTER_LIMIT_PER_ADDRESS="100000/minute",
        NV_LOGIN_LIMIT_PER_ADDRESS="100000/minute",
        NV_WEBAPP_ENABLED="false",
    )
    if scenario.redis_url:
        env["NV_REDIS_URL"] = scenario.redis_url
    return env


@contextlib.contextmanager
def _process(
    command: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                # The whole group: a worker stuck in its shutdown must not outlive the run.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # workers orphaned by a crashed supervisor


async def _wait_until(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{log_path.name} ended:\n{_tail(log_path)}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in 90 s")
            await asyncio.sleep(0.2)


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:]


def _keep(directory: Path, keep_logs: Path) -> None:
    keep_logs.mkdir(parents=True, exist_ok=True)
    for name in ("emulator.log", "server.log"):
        if (directory / name).exists():
            (keep_logs / name).write_bytes((directory / name).read_bytes())


def _log_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                lines.append(json.loads(raw))
    return lines


async def _wait_for_workers(scenario: Scenario, log_path: Path) -> int:
    """Every worker has run its startup (not only the first one to answer)."""
    deadline = time.monotonic() + 90
    while True:
        started = {
            line["pid"] for line in _log_lines(log_path) if line.get("event") == "app.started"
        }
        if len(started) >= scenario.workers:
            return len(started)
        if time.monotonic() > deadline:
            return len(started)
        await asyncio.sleep(0.2)


def _recording(directory: Path) -> bytes:
    """35 s of synthetic speech (espeak-ng), a WAV the recording checks accept."""
    from tests.webapp.speech import synthesise

    source = directory / "speech.wav"
    synthesise(source, min_seconds=40.0)
    target = directory / "recording.wav"
    with wave.open(str(source), "rb") as src, wave.open(str(target), "wb") as dst:
        dst.setparams(src.getparams())
        dst.writeframes(src.readframes(int(src.getframerate() * 35.0)))
    return target.read_bytes()


# ---------------------------------------------------------------------- the performers


async def _performer(
    client: httpx.AsyncClient, n: int, code: str, recording: bytes, run: str
) -> dict[str, str]:
    user = await sign_up(client, code, username=f"mw{run}u{n}", password=PASSWORD)
    await upload_recording(
        client, user.headers, recording, file_name="recording.wav", mime_type="audio/wav"
    )
    return user.headers


@dataclass
class _Connection:
    """One keep-alive connection, and the worker that accepted it."""

    client: httpx.AsyncClient
    pid: int | None = None


async def _open(url: str, scenario: Scenario, count: int, server_log: Path) -> list[_Connection]:
    """`count` connections, each opened with a request the server logs with its pid."""
    connections: list[_Connection] = []
    warm_ids: list[str] = []
    tls = ssl.create_default_context()  # plain HTTP, but each client would load the CA store
    for _ in range(count):
        client = httpx.AsyncClient(
            base_url=url,
            timeout=scenario.request_timeout_s,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            verify=tls,
        )
        connections.append(_Connection(client))
        warm_ids.append(f"warm-{uuid.uuid4().hex}")
    answers = await asyncio.gather(
        *(
            c.client.get("/api/health", headers={"X-Request-ID": rid})
            for c, rid in zip(connections, warm_ids, strict=True)
        )
    )
    if any(a.status_code != 200 for a in answers):
        raise RuntimeError(f"warm-up answers: {Counter(a.status_code for a in answers)}")
    pids = _pids_by_request(_log_lines(server_log), "/api/health")
    for connection, rid in zip(connections, warm_ids, strict=True):
        connection.pid = pids.get(rid)
    return connections


def _assign(
    connections: list[_Connection], wanted: list[tuple[int, int]], crowded: int
) -> list[_Connection]:
    """A connection for each (user, nth): a crowded user's performs go to different workers
    where there are connections to pick from, everyone else's alternate between the workers."""
    by_pid: dict[int | None, list[_Connection]] = defaultdict(list)
    for connection in connections:
        by_pid[connection.pid].append(connection)
    order = sorted(by_pid, key=lambda pid: -len(by_pid[pid]))
    chosen = []
    turn = 0
    for user, nth in wanted:
        pools = [pid for pid in order if by_pid[pid]]
        if user < crowded:
            pid = pools[nth % len(pools)]
        else:
            pid = pools[turn % len(pools)]
            turn += 1
        chosen.append(by_pid[pid].pop())
    return chosen


async def _perform(
    connection: _Connection,
    user: int,
    headers: dict[str, str],
    nth: int,
    start: asyncio.Event,
) -> PerformOutcome:
    routine, value = VALUES[(user + nth) % len(VALUES)]
    request_id = f"mw-{user}-{nth}-{uuid.uuid4().hex[:8]}"
    await start.wait()
    began = time.perf_counter()
    try:
        response = await connection.client.post(
            "/api/perform",
            json={"routine": routine, "value": value},
            headers={
                **headers,
                "Idempotency-Key": f"key-{uuid.uuid4().hex}",
                "X-Request-ID": request_id,
            },
        )
    except httpx.TransportError as exc:  # no answer at all (e.g. the client's timeout)
        return PerformOutcome(user, request_id, 0, type(exc).__name__, time.perf_counter() - began)
    seconds = time.perf_counter() - began
    error = None
    if response.status_code != 200:
        try:
            error = str(response.json().get("error"))
        except ValueError:
            error = f"non-JSON body: {response.text[:80]!r}"
    return PerformOutcome(user, request_id, response.status_code, error, seconds)


# ---------------------------------------------------------------------- the checks


def _clone_lives(calls: list[dict[str, Any]]) -> dict[uuid.UUID, tuple[float, float | None]]:
    """Clone id → (start of its create call, end of its delete call or None)."""
    from newvisions.models.voice_clone import clone_id_from_voice_name

    voice_clone: dict[str, uuid.UUID] = {}
    lives: dict[uuid.UUID, tuple[float, float | None]] = {}
    for call in calls:
        if call["endpoint"] != "voices.add":
            continue
        clone_id = clone_id_from_voice_name(str(call["info"].get("name", "")))
        if clone_id is None:
            continue
        lives[clone_id] = (call["started_at"], None)
        if call["status"] == 200 and call["voice_id"]:
            voice_clone[call["voice_id"]] = clone_id
        elif call["status"] != 200:  # refused: nothing lived past the call itself
            lives[clone_id] = (call["started_at"], call["started_at"] + call["duration_s"])
    for call in calls:
        if call["endpoint"] == "voices.delete" and call["status"] == 200:
            clone_id = voice_clone.get(call["voice_id"])
            if clone_id is not None:
                lives[clone_id] = (lives[clone_id][0], call["started_at"] + call["duration_s"])
    return lives


def _overlaps(
    lives: dict[uuid.UUID, tuple[float, float | None]], owners: dict[uuid.UUID, uuid.UUID]
) -> list[str]:
    by_user: dict[uuid.UUID, list[tuple[float, float, uuid.UUID]]] = defaultdict(list)
    found = []
    for clone_id, (began, ended) in lives.items():
        owner = owners.get(clone_id)
        if owner is None:
            found.append(f"voice of clone {clone_id} has no ledger row")
            continue
        by_user[owner].append((began, ended if ended is not None else float("inf"), clone_id))
    for user_id, spans in by_user.items():
        spans.sort()
        for (_, end_a, a), (start_b, _, b) in itertools.pairwise(spans):
            if start_b < end_a:
                found.append(
                    f"user {user_id}: clone {b} created {end_a - start_b:.3f} s before "
                    f"clone {a} was deleted"
                )
    return found


async def _ledger(database_url: str) -> tuple[dict[uuid.UUID, uuid.UUID], int, int]:
    """Clone id → user id, unfinished clone rows, performs still marked running."""
    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        rows = await connection.fetch("SELECT id, user_id, status FROM voice_clones")
        running = await connection.fetchval(
            "SELECT count(*) FROM performs WHERE status NOT IN ('succeeded', 'failed')"
        )
    finally:
        await connection.close()
    owners = {row["id"]: row["user_id"] for row in rows}
    unfinished = sum(1 for row in rows if row["status"] != "deleted")
    return owners, unfinished, int(running)


async def _redis_keys(redis_url: str, *, delete: bool) -> list[str]:
    if not redis_url:
        return []
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{REDIS_PREFIX}*")]
        if delete and keys:
            await redis.delete(*keys)
        return sorted(keys)
    finally:
        await redis.aclose()


# ---------------------------------------------------------------------- the run


def _say(scenario: Scenario, text: str) -> None:
    if scenario.log:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


async def run(scenario: Scenario, *, keep_logs: Path | None = None) -> Report:
    report = Report(scenario, started_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    run_tag = uuid.uuid4().hex[:6]
    taken: set[int] = set()
    emulator_port, server_port = _free_port(scenario, taken), _free_port(scenario, taken)
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    server_url = f"http://127.0.0.1:{server_port}"
    # The leader key, leases and locks of an earlier run would skew this one.
    await _redis_keys(scenario.redis_url, delete=True)
    with tempfile.TemporaryDirectory(prefix="nv-multi-worker-") as tmp:
        directory = Path(tmp)
        _say(scenario, "synthesising the recording")
        recording = await asyncio.to_thread(_recording, directory)
        setup_began = time.perf_counter()
        async with _scratch_database(scenario.database_url) as database_url:
            env = _env(scenario, database_url, directory / "data", emulator_url)
            emulator_log, server_log = directory / "emulator.log", directory / "server.log"
            emulator_cmd = [
                str(NEWVISIONS),
                "emulate",
                "elevenlabs",
                "--port",
                str(emulator_port),
                "--voice-limit",
                str(scenario.voice_limit),
                "--api-key",
                API_KEY,
                "--create-latency",
                str(scenario.create_latency_s),
                "--tts-latency",
                str(scenario.tts_latency_s),
            ]
            server_cmd = [
                str(NEWVISIONS),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(server_port),
                "--workers",
                str(scenario.workers),
            ]
            try:
                with (
                    _process(emulator_cmd, env, emulator_log) as emulator,
                    _process(server_cmd, env, server_log) as server,
                ):
                    await _wait_until(f"{emulator_url}/_emulator/state", emulator, emulator_log)
                    if scenario.delete_latency_s:
                        async with httpx.AsyncClient(base_url=emulator_url) as control:
                            fault = {
                                "status": None,
                                "latency_s": scenario.delete_latency_s,
                                "always": True,
                            }
                            added = await control.post(
                                "/_emulator/faults/voices.delete", json=fault
                            )
                            added.raise_for_status()
                    await _wait_until(f"{server_url}/api/health", server, server_log)
                    report.worker_pids_started = await _wait_for_workers(scenario, server_log)
                    report.phases["start-up"] = time.perf_counter() - setup_began
                    _say(scenario, f"server up ({report.worker_pids_started} workers)")
                    await _exercise(
                        scenario, report, server_url, env, recording, run_tag, server_log
                    )
                    async with httpx.AsyncClient(base_url=emulator_url, timeout=30) as control:
                        state = (await control.get("/_emulator/state")).json()
                    owners, report.unfinished_clones, report.performs_running = await _ledger(
                        database_url
                    )
                    report.leftover_redis_keys = [
                        key
                        for key in await _redis_keys(scenario.redis_url, delete=False)
                        if ":leader:" not in key  # the sweeper's leadership lives on, by design
                    ]
            finally:
                if keep_logs is not None:
                    _keep(directory, keep_logs)
            await _redis_keys(scenario.redis_url, delete=True)

        report.peak_live_voices = int(state["peak_live_cloned"])
        report.voices_created = int(state["voices_created"])
        report.voices_left = int(state["live_cloned"])
        report.refused_creates = sum(
            1 for c in state["calls"] if c["endpoint"] == "voices.add" and c["status"] != 200
        )
        report.overlaps = _overlaps(_clone_lives(state["calls"]), owners)
        _read_server_log(report, _log_lines(server_log))
    return report


async def _exercise(
    scenario: Scenario,
    report: Report,
    url: str,
    env: dict[str, str],
    recording: bytes,
    run_tag: str,
    server_log: Path,
) -> None:
    began = time.perf_counter()
    codes = await _codes(env, scenario.users)
    _say(scenario, f"registering {scenario.users} performers with a recording each")
    limit = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def one(n: int) -> dict[str, str]:
            async with limit:
                return await _performer(client, n, codes[n], recording, run_tag)

        headers = await asyncio.gather(*(one(n) for n in range(scenario.users)))
    report.phases["sign-up"] = time.perf_counter() - began

    wanted = [
        (user, nth)
        for user in range(scenario.users)
        for nth in range(scenario.performs_per_crowded_user if user < scenario.crowded_users else 1)
    ]
    # Connections opened ahead, each known to have landed on one worker (the kernel hands a
    # new connection to whichever worker accepts first, often the same one in a burst), so
    # that one performer's simultaneous performs can be sent to different workers.
    connections = await _open(url, scenario, 2 * len(wanted), server_log)
    try:
        report.phases["connections"] = time.perf_counter() - began - report.phases["sign-up"]
        start = asyncio.Event()
        chosen = _assign(connections, wanted, scenario.crowded_users)
        tasks = [
            asyncio.create_task(_perform(connection, user, headers[user], nth, start))
            for connection, (user, nth) in zip(chosen, wanted, strict=True)
        ]
        _say(scenario, f"{len(tasks)} performs at once")
        began = time.perf_counter()
        start.set()
        report.outcomes = list(await asyncio.gather(*tasks))
        report.wall_s = time.perf_counter() - began
    finally:
        await asyncio.gather(*(c.client.aclose() for c in connections))


async def _codes(env: dict[str, str], count: int) -> list[str]:
    """Activation codes, as `newvisions codes generate` makes them (without its start-up)."""
    from newvisions.activation.service import generate_codes
    from newvisions.config.database import standalone_session
    from newvisions.config.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=env["NV_DATABASE_URL"],
        jwt_secret=env["NV_JWT_SECRET"],
    )
    async with standalone_session(settings) as session:
        return [code.code for code in await generate_codes(session, count)]


def _pids_by_request(lines: list[dict[str, Any]], route: str) -> dict[str, int]:
    return {
        str(line.get("request_id")): int(line["pid"])
        for line in lines
        if line.get("event") == "http.request" and line.get("route") == route
    }


def _read_server_log(report: Report, lines: list[dict[str, Any]]) -> None:
    by_request = _pids_by_request(lines, "/api/perform")
    report.server_errors = [
        f"{line.get('event')}: {line.get('error', '')}"
        for line in lines
        if line.get("level") in ("error", "critical")
    ]
    report.perform_pids = Counter(
        by_request[o.request_id] for o in report.outcomes if o.request_id in by_request
    )
    pids_by_user: dict[int, set[int]] = defaultdict(set)
    for outcome in report.outcomes:
        if outcome.user < report.scenario.crowded_users and outcome.request_id in by_request:
            pids_by_user[outcome.user].add(by_request[outcome.request_id])
    report.crowded_users_across_workers = sum(1 for pids in pids_by_user.values() if len(pids) > 1)
