"""Load on loopback: the real server (one uvicorn worker) driven by Locust, then perform throughput.

1. Locust, headless, in one run: N users loop on authenticated `GET /api/users/me` while N
   others loop on a bare JSON route of the same server (`bench/load_app.py`, benchmark only).
   Printed: requests/s, p50 and p99 per route, and the ratio users/me ÷ bare (target ≥ 0.5).
   Each route is its own closed loop of N users without think time, both sharing the one
   event loop, so the ratio of requests/s is the inverse ratio of the two latencies under the
   same load at the same moment.
2. Offline perform throughput (offline composer + offline voice engine + memo rendering):
   performs/minute and p50/p95 latency at concurrency 1, 2 and 4 (one performer per
   concurrent client, each with an uploaded recording and a high monthly limit set by the
   admin API).

On a machine with two or more CPUs the server is pinned to CPU 0 and Locust (one process,
gevent) to CPU 1 during the load phase, so the load generator cannot steal the server's core.
The perform phase lifts the server's pin (its clients are idle while waiting).

SQLite in a temporary directory by default; PostgreSQL and Redis with
`--database-url postgresql+asyncpg://... --redis-url redis://...`.

Usage: PYTHONPATH=. .venv/bin/python bench/load.py [--users 4] [--seconds 20]
       [--performs 6] [--concurrency 1 2 4] [--database-url URL --redis-url URL] [--no-pin]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from pydantic import SecretStr
from tests.proof.server_process import wait_ready

from newvisions.activation import service as activation_service
from newvisions.cli import alembic_config
from newvisions.config.database import create_engine, standalone_session
from newvisions.config.settings import Settings
from newvisions.users import service as users_service

REPO = Path(__file__).resolve().parents[1]
ME_PATH = "/api/users/me"
BARE_PATH = "/bench/bare"
PASSWORD = "bench password 1"  # noqa: S105 - a throwaway account of a throwaway database
BENCH_LIMIT = 100_000_000
PERFORM_VALUES = [
    ("cards", "Q of Clubs"),
    ("numbers", "37"),
    ("star-signs", "Scorpio"),
    ("names", "Lucy"),
]
SERVER_CPU = 0
LOCUST_CPU = 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Target:
    """Where the server keeps its data; the same values configure the bench's own setup."""

    data_dir: Path
    database_url: str = ""
    redis_url: str = ""
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))

    def config(self) -> dict[str, str]:
        config = {
            # Production-like: JSON access log line per request at INFO, rate limits on.
            "environment": "production",
            "allow_sqlite_in_production": "true",
            "jwt_secret": "bench-" + secrets.token_urlsafe(40),
            "data_dir": str(self.data_dir),
            "database_url": self.database_url,
            "log_level": "INFO",
            "log_json": "true",
            # The bench registers a few accounts from one address.
            "register_limit_per_address": "1000/minute",
            "login_limit_per_address": "1000/minute",
        }
        if self.redis_url:
            config["redis_url"] = self.redis_url
        return config

    def settings(self, config: dict[str, str]) -> Settings:
        values: dict[str, Any] = dict(config)
        values["jwt_secret"] = SecretStr(config["jwt_secret"])
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def server_env(config: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NV_")}
    env.update({f"NV_{name.upper()}": value for name, value in config.items()})
    env["PYTHONPATH"] = str(REPO)
    return env


# -- setup -----------------------------------------------------------------------------------


@dataclass
class Prepared:
    admin: str
    codes: list[str]


async def prepare(settings: Settings, run_id: str, accounts: int) -> Prepared:
    """Migrate, then an admin and activation codes (as `newvisions users`/`codes` would)."""
    from alembic import command

    engine = create_engine(settings)

    def upgrade(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
    await engine.dispose()
    admin = f"benchadmin{run_id}"
    async with standalone_session(settings) as session:
        await users_service.create_admin(session, admin, f"{admin}@example.com", PASSWORD)
        codes = await activation_service.generate_codes(session, accounts)
    return Prepared(admin=admin, codes=[c.code for c in codes])


@contextmanager
def server(config: dict[str, str], port: int, log_path: Path) -> Iterator[psutil.Process]:
    """One uvicorn worker serving bench.load_app (the product's app factory + the bare route)."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.load_app:create_bench_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            command, cwd=REPO, env=server_env(config), stdout=log, stderr=log
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", process, timeout_s=60)
            yield psutil.Process(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text}")
    return dict(response.json()) if response.content else {}


def login(client: httpx.Client, name: str) -> dict[str, str]:
    tokens = _ok(client.post("/api/auth/login", json={"login": name, "password": PASSWORD}))
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def register(client: httpx.Client, name: str, code: str, admin: dict[str, str]) -> dict[str, str]:
    """A performer with a high monthly limit (set through the admin API)."""
    _ok(
        client.post(
            "/api/auth/register",
            json={
                "username": name,
                "email": f"{name}@example.com",
                "password": PASSWORD,
                "activation_code": code,
            },
        )
    )
    headers = login(client, name)
    user_id = _ok(client.get(ME_PATH, headers=headers))["id"]
    _ok(
        client.put(
            f"/api/admin/users/{user_id}/monthly-limit",
            json={"monthly_char_limit": BENCH_LIMIT},
            headers=admin,
        )
    )
    return headers


# -- load ------------------------------------------------------------------------------------


@dataclass
class RouteFigures:
    path: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class LoadFigures:
    seconds: float
    routes: dict[str, RouteFigures]
    server_cpu_s: float
    locust_cpu_s: float
    errors: dict[str, str]

    @property
    def ratio(self) -> float:
        return self.routes[ME_PATH].rps / self.routes[BARE_PATH].rps


def run_locust(
    url: str,
    token: str,
    *,
    users: int,
    seconds: int,
    workdir: Path,
    server_process: psutil.Process,
    pin: bool,
) -> LoadFigures:
    """`users` Locust users per route, all at once, for `seconds`; every response time kept."""
    result = workdir / f"locust-{time.monotonic_ns()}.json"
    env = dict(os.environ, NV_BENCH_TOKEN=token, NV_BENCH_RESULT=str(result))
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(REPO / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(2 * users),
        "--spawn-rate",
        str(2 * users),
        "--run-time",
        f"{seconds}s",
        "--host",
        url,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        "MeUser",
        "BareUser",
    ]
    server_before = server_process.cpu_times()
    log_path = workdir / "locust.log"
    log = log_path.open("wb")
    locust = subprocess.Popen(  # noqa: S603 - the venv's locust, fixed arguments
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=(lambda: os.sched_setaffinity(0, {LOCUST_CPU})) if pin else None,
    )
    locust_ps = psutil.Process(locust.pid)
    locust_cpu = 0.0
    while locust.poll() is None:
        try:
            times = locust_ps.cpu_times()
            locust_cpu = times.user + times.system
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    log.close()
    stderr = log_path.read_text(encoding="utf-8", errors="replace")
    if locust.returncode != 0 or not result.exists():
        raise RuntimeError(f"locust failed ({locust.returncode}): {stderr[-2000:]}")
    server_after = server_process.cpu_times()
    data = json.loads(result.read_text(encoding="utf-8"))
    duration = float(data["seconds"])
    routes = {}
    for path in (ME_PATH, BARE_PATH):
        times_ms = data["times_ms"].get(path, [])
        routes[path] = RouteFigures(
            path=path,
            requests=len(times_ms),
            failures=int(data["failures"].get(path, 0)),
            rps=len(times_ms) / duration,
            p50_ms=percentile(times_ms, 0.50) if times_ms else float("nan"),
            p99_ms=percentile(times_ms, 0.99) if times_ms else float("nan"),
        )
    return LoadFigures(
        seconds=duration,
        routes=routes,
        server_cpu_s=(server_after.user + server_after.system)
        - (server_before.user + server_before.system),
        locust_cpu_s=locust_cpu,
        errors=dict(data["errors"]),
    )


def report_load(figures: LoadFigures, users: int) -> None:
    print(f"\nload: {users} Locust users per route, {figures.seconds:.1f} s, one uvicorn worker")
    for route in figures.routes.values():
        print(
            f"  {route.path:>16}: {route.rps:8.1f} req/s   p50 {route.p50_ms:6.1f} ms   "
            f"p99 {route.p99_ms:6.1f} ms   ({route.requests} requests, {route.failures} failed)"
        )
    print(f"  ratio users/me ÷ bare (req/s): {figures.ratio:.2f}   (target ≥ 0.5)")
    print(
        f"  CPU: server {figures.server_cpu_s / figures.seconds:.0%} of a core, "
        f"locust {figures.locust_cpu_s / figures.seconds:.0%} of a core"
    )
    if figures.locust_cpu_s / figures.seconds > 0.9:
        print("  WARNING: Locust used most of its core; the figures may be the generator's limit")
    for path, error in figures.errors.items():
        print(f"  first error on {path}: {error}")


# -- perform throughput ----------------------------------------------------------------------


def upload_recording(client: httpx.Client, headers: dict[str, str], webm: bytes) -> None:
    _ok(
        client.post(
            "/api/voice/recording",
            files={"file": ("voice.webm", webm, "audio/webm")},
            headers=headers,
        )
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status = _ok(client.get("/api/voice/recording", headers=headers))["analysis"]["status"]
        if status == "ready":
            return
        if status == "failed":
            raise RuntimeError("the recording's analysis failed")
        time.sleep(0.2)
    raise RuntimeError("the recording's analysis did not finish")


@dataclass
class PerformFigures:
    concurrency: int
    performs: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_minute(self) -> float:
        return self.performs / self.seconds * 60


async def perform_round(
    url: str, performers: list[dict[str, str]], per_client: int
) -> PerformFigures:
    """Each performer performs `per_client` times in a row, all performers at once."""
    latencies: list[float] = []

    async def loop(client: httpx.AsyncClient, headers: dict[str, str], offset: int) -> None:
        for n in range(per_client):
            routine, value = PERFORM_VALUES[(n + offset) % len(PERFORM_VALUES)]
            began = time.perf_counter()
            response = await client.post(
                "/api/perform", json={"routine": routine, "value": value}, headers=headers
            )
            latencies.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"perform: {response.status_code} {response.text}")

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        began = time.perf_counter()
        await asyncio.gather(*(loop(client, h, i) for i, h in enumerate(performers)))
        seconds = time.perf_counter() - began
    return PerformFigures(len(performers), len(latencies), seconds, latencies)


def report_performs(rounds: list[PerformFigures]) -> None:
    print("\noffline perform throughput (offline notes, offline voice, memo rendering)")
    for r in rounds:
        print(
            f"  concurrency {r.concurrency}: {r.per_minute:6.1f} performs/min   "
            f"p50 {percentile(r.latencies_ms, 0.5):7.1f} ms   "
            f"p95 {percentile(r.latencies_ms, 0.95):7.1f} ms   "
            f"({r.performs} performs in {r.seconds:.1f} s)"
        )


# -- the whole run ---------------------------------------------------------------------------


@dataclass
class Results:
    load: LoadFigures
    performs: list[PerformFigures]


def run(
    target: Target,
    *,
    users: int,
    seconds: int,
    performs: int,
    concurrency: list[int],
    pin: bool,
    warm: int = 100,
    webm: bytes | None = None,
) -> Results:
    pin = pin and len(os.sched_getaffinity(0)) >= 2 and hasattr(os, "sched_setaffinity")
    config = target.config()
    settings = target.settings(config)
    performers_needed = max(concurrency, default=0)
    prepared = asyncio.run(prepare(settings, target.run_id, 1 + performers_needed))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with server(config, port, target.data_dir / "server.log") as process:
        all_cpus = process.cpu_affinity()
        if pin:
            process.cpu_affinity([SERVER_CPU])
        with httpx.Client(base_url=url, timeout=60) as client:
            admin = login(client, prepared.admin)
            name = f"benchme{target.run_id}"
            headers = register(client, name, prepared.codes[0], admin)
            for _ in range(warm):  # first-request imports, connection pool, caches
                _ok(client.get(ME_PATH, headers=headers))
                _ok(client.get(BARE_PATH))
        token = headers["Authorization"].removeprefix("Bearer ")
        load = run_locust(
            url,
            token,
            users=users,
            seconds=seconds,
            workdir=target.data_dir,
            server_process=process,
            pin=pin,
        )
        report_load(load, users)
        rounds: list[PerformFigures] = []
        if concurrency:
            process.cpu_affinity(all_cpus)
            rounds = perform_phase(url, prepared, admin, target, webm, performs, concurrency)
            report_performs(rounds)
    return Results(load=load, performs=rounds)


def perform_phase(
    url: str,
    prepared: Prepared,
    admin: dict[str, str],
    target: Target,
    webm: bytes | None,
    performs: int,
    concurrency: list[int],
) -> list[PerformFigures]:
    if webm is None:
        from bench.perform_latency import recording

        webm = recording(target.data_dir)
    performers = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for n, code in enumerate(prepared.codes[1:]):
            headers = register(client, f"benchperf{target.run_id}{n}", code, admin)
            upload_recording(client, headers, webm)
            performers.append(headers)
    # First performs: lazy imports, voice models, caches; not measured.
    asyncio.run(perform_round(url, performers[:1], 1))
    return [asyncio.run(perform_round(url, performers[:c], performs)) for c in concurrency]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=4, help="Locust users per route.")
    parser.add_argument("--seconds", type=int, default=20, help="Length of the load run.")
    parser.add_argument("--performs", type=int, default=6, help="Performs per client per level.")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--database-url", default="", help="PostgreSQL (default: SQLite).")
    parser.add_argument("--redis-url", default="", help="Redis for limits, locks and leases.")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="No CPU pinning.")
    args = parser.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs; "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}"
        f"{' + Redis' if args.redis_url else ''}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        target = Target(Path(tmp), database_url=args.database_url, redis_url=args.redis_url)
        run(
            target,
            users=args.users,
            seconds=args.seconds,
            performs=args.performs,
            concurrency=args.concurrency,
            pin=args.pin,
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
