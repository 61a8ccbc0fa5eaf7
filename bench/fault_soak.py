"""Fault soak, long form: ≥ 1000 performs by ≥ 50 performers through `POST /api/perform`, with
the ElevenLabs and Gemini emulators (each in its own process) failing at random at every
provider step — create, speak, delete, text — timeouts included (hangs longer than our client
deadlines). The offline voice fallback is off, so failures are failures.

Afterwards the provider recovers, its late work lands, the clone sweeper runs once, and three
figures are printed; the exit status is non-zero when one of them (or a check on the way:
hangs, 500s, performs left running, reservations left held, wrong charges) is not as it must be:

    (a) voices of ours left at the emulator            0
    (b) characters charged for failed performs          0 (usage ledger vs each perform's outcome)
    (c) the emulator's peak live voices                 ≤ its slot limit

The fault mix, the deadlines and the checks are those of the short form
(tests/proof/fault_soak/), shared in tests/proof/fault_soak/soak.py.

Usage: PYTHONPATH=. .venv/bin/python bench/fault_soak.py [--performs 1000 --users 50]
       [--voice-limit 10] [--seed N] [--database-url postgresql+asyncpg://...]
       [--redis-url redis://...] [--port 18101]
SQLite in a temporary directory unless --database-url is given.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from bench.perform_latency import base_settings, migrated, recording
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from tests.factories import sign_up, upload_recording
from tests.proof.fault_soak import soak

from newvisions.activation import service as activation_service
from newvisions.app import create_app
from newvisions.config.settings import Settings

API_KEY = "soak-key"
GEMINI_KEY = "soak-gemini-key"
GEMINI_MODEL = "gemini-emulated"
PASSWORD = "soak password 1"  # noqa: S105 - a throwaway account of the soak


def start(command: list[str]) -> subprocess.Popen[bytes]:
    executable = Path(sys.executable).with_name("newvisions")
    return subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [str(executable), *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def wait_until_up(url: str, path: str) -> None:
    async with AsyncClient(base_url=url) as client:
        for _ in range(200):
            try:
                await client.get(path)
            except httpx.TransportError:
                await asyncio.sleep(0.1)
            else:
                return
    raise RuntimeError(f"{url} did not start")


async def register(
    client: AsyncClient, app: Any, webm: bytes, n: int
) -> tuple[uuid.UUID, dict[str, str]]:
    username = f"soak{n}x{uuid.uuid4().hex[:6]}"
    async with app.state.sessionmaker.begin() as session:
        (code,) = await activation_service.generate_codes(session, 1)
    user = await sign_up(client, code.code, username=username, password=PASSWORD)
    await upload_recording(client, user.headers, webm)
    return uuid.UUID(user.user_id), user.headers


async def soak_run(settings: Settings, args: argparse.Namespace, urls: tuple[str, str]) -> int:
    elevenlabs_url, gemini_url = urls
    await migrated(settings)
    app = create_app(settings)
    print("database migrated, app built", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        webm = recording(Path(tmp))
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://soak", timeout=120) as client:
            began = time.monotonic()
            performers = []
            for first in range(0, args.users, 4):  # a few at a time: hashing is CPU work
                batch = range(first, min(first + 4, args.users))
                performers += await asyncio.gather(*(register(client, app, webm, n) for n in batch))
            print(f"{args.users} performers ready in {time.monotonic() - began:.1f} s", flush=True)

            await soak.inject_faults(elevenlabs_url, gemini_url, seed=args.seed)
            began = time.monotonic()
            outcomes = await soak.drive(client, performers, args.performs, seed=args.seed)
            seconds = time.monotonic() - began
            voice = app.state.voice_cloning
            report = await soak.sweep_once(
                voice.sweeper,
                elevenlabs_url,
                gemini_url,
                trust_leases=voice.coordinator.shared or settings.workers == 1,
            )
            figures = await soak.measure(
                sessionmaker=app.state.sessionmaker,
                settings=settings,
                elevenlabs_url=elevenlabs_url,
                gemini_url=gemini_url,
                outcomes=outcomes,
                users=args.users,
                seconds=seconds,
                sweep=report,
            )
    database = "PostgreSQL" if settings.database_url.startswith("postgresql") else "SQLite"
    coordination = "Redis" if settings.redis_url else "in-process"
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {database}, {coordination} coordination, "
        f"seed {args.seed}"
    )
    print("\n".join(figures.lines()))
    problems = figures.problems()
    for problem in problems:
        print(f"FAILED: {problem}")
    print("PASS" if not problems else "FAIL")
    return 1 if problems else 0


async def main(args: argparse.Namespace) -> int:
    el_port, gemini_port = args.port, args.port + 1
    elevenlabs = start(
        ["emulate", "elevenlabs", "--port", str(el_port), "--api-key", API_KEY,
         "--voice-limit", str(args.voice_limit)]
    )  # fmt: skip
    gemini = start(
        ["emulate", "gemini", "--port", str(gemini_port), "--api-key", GEMINI_KEY,
         "--hang-s", str(soak.HANG_S)]
    )  # fmt: skip
    urls = (f"http://127.0.0.1:{el_port}", f"http://127.0.0.1:{gemini_port}")
    try:
        await wait_until_up(urls[0], "/_emulator/state")
        await wait_until_up(urls[1], "/emulator/requests")
        with tempfile.TemporaryDirectory() as tmp:
            overrides: dict[str, Any] = {
                "voice_provider": "elevenlabs",
                "elevenlabs_api_key": SecretStr(API_KEY),
                "elevenlabs_base_url": urls[0],
                "elevenlabs_model_id": "eleven_flash_v2_5",
                "thought_provider": "gemini",
                "gemini_api_key": SecretStr(GEMINI_KEY),
                "gemini_model": GEMINI_MODEL,
                "gemini_base_url": urls[1],
                "redis_url": args.redis_url,
                # base_settings sets the quota itself
                **{k: v for k, v in soak.SOAK_SETTINGS.items() if k != "monthly_char_limit"},
            }
            if args.database_url:
                overrides["database_url"] = args.database_url
            settings = base_settings(Path(tmp), **overrides)
            return await soak_run(settings, args, urls)
    finally:
        for process in (elevenlabs, gemini):
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--performs", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--voice-limit", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--port", type=int, default=18101, help="ElevenLabs emulator; Gemini +1")
    started = time.monotonic()
    status = asyncio.run(main(parser.parse_args()))
    print(f"run time {time.monotonic() - started:.1f} s")
    sys.exit(status)
