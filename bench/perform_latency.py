"""Perform latency, end to end through the API (in process, httpx over ASGI).

1. Offline: offline composer + offline voice engine + memo rendering, on SQLite.
   Target: p95 ≤ 1.5 s for a ~100-character note on a 2-core machine.
2. Emulated providers answering instantly (ElevenLabs emulator on loopback, offline notes):
   the backend's own overhead. Target: p95 ≤ 50 ms, excluding the memo's audio rendering (CPU
   work on the audio, reported separately). Printed twice: wall − render, and "own overhead",
   which also leaves out the time the emulator itself spent answering the create and speak
   calls (from its call log), since an instantly answering provider would not spend it.
3. Provider calls per perform, counted by the ElevenLabs emulator. Target: ≤ 3.

Usage: PYTHONPATH=. .venv/bin/python bench/perform_latency.py [--performs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from tests.voice_cloning.recording.audio_fixtures import encode

from newvisions.activation import service as activation_service
from newvisions.app import create_app
from newvisions.cli import alembic_config
from newvisions.config.database import create_engine
from newvisions.config.settings import Environment, Settings

REPO = Path(__file__).resolve().parents[1]
VALUES = [("cards", "Q of Clubs"), ("numbers", "37"), ("star-signs", "Scorpio"), ("names", "Lucy")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def recording(directory: Path) -> bytes:
    out = directory / "speech.npy"
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "tests.voice_cloning.recording.espeak_speech", str(out), "40"],
        cwd=REPO,
        check=True,
    )
    return encode(np.load(out), 16_000, "webm")


async def migrated(settings: Settings) -> None:
    from alembic import command

    engine = create_engine(settings)

    def upgrade(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
    await engine.dispose()


async def performer(client: AsyncClient, app: Any, webm: bytes) -> dict[str, str]:
    async with app.state.sessionmaker.begin() as session:
        (code,) = await activation_service.generate_codes(session, 1)
    await client.post(
        "/api/auth/register",
        json={
            "username": "bench",
            "email": "bench@example.com",
            "password": "bench password",
            "activation_code": code.code,
        },
    )
    tokens = (
        await client.post("/api/auth/login", json={"login": "bench", "password": "bench password"})
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    uploaded = await client.post(
        "/api/voice/recording", files={"file": ("v.webm", webm, "audio/webm")}, headers=headers
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    for _ in range(600):
        status = (await client.get("/api/voice/recording", headers=headers)).json()
        if status["analysis"]["status"] != "pending":
            break
        await asyncio.sleep(0.2)
    return headers


async def run(label: str, settings: Settings, webm: bytes, performs: int) -> list[dict[str, Any]]:
    await migrated(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = await performer(client, app, webm)
            warm = app.state.voice_cloning.clones.provider
            if hasattr(warm, "warm_up"):
                await warm.warm_up()
            await client.post(
                "/api/perform", json={"routine": "cards", "value": "AH"}, headers=headers
            )  # first perform: lazy imports, caches
            results = []
            for n in range(performs):
                routine, value = VALUES[n % len(VALUES)]
                began = time.perf_counter()
                response = await client.post(
                    "/api/perform", json={"routine": routine, "value": value}, headers=headers
                )
                wall = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, response.text
                body = response.json()
                results.append({"wall": wall, "chars": len(body["text"]), **body["timings_ms"]})
    report(label, results)
    return results


def report(label: str, results: list[dict[str, Any]]) -> None:
    chars = statistics.mean(r["chars"] for r in results)
    print(f"\n{label}: {len(results)} performs, notes of {chars:.0f} characters on average")
    rows = {key: [r[key] for r in results] for key in ("wall", "total", "text", "clone")}
    rows.update({key: [r[key] for r in results] for key in ("speech", "render")})
    rows["wall - render"] = [r["wall"] - r["render"] for r in results]
    for key, values in rows.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"  {key:>13}: p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


def report_own_overhead(results: list[dict[str, Any]], calls: list[dict[str, Any]]) -> None:
    """Wall time minus rendering minus the time the emulator itself spent answering the
    create and speak calls of each perform (receiving the upload, making the audio): what is
    left is this backend's own work. Deletion overlaps rendering and is not subtracted."""
    creates = [c for c in calls if c["endpoint"] == "voices.add"][1:]  # [0]: the warm-up
    speaks = [c for c in calls if c["endpoint"] == "tts"][1:]
    if not (len(creates) == len(speaks) == len(results)):
        print("  (own overhead not computed: provider calls do not pair one-to-one)")
        return
    pairs = zip(creates, speaks, strict=True)
    provider = [(create["duration_s"] + speak["duration_s"]) * 1000 for create, speak in pairs]
    own = [r["wall"] - r["render"] - ms for r, ms in zip(results, provider, strict=True)]
    for key, values in (("emulator work", provider), ("own overhead", own)):
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"  {key:>13}: p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


def base_settings(directory: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.test,
        data_dir=directory,
        jwt_secret=SecretStr("bench-secret-" + "z" * 40),
        rate_limits_enabled=False,
        monthly_char_limit=1_000_000,  # the quota is not what is measured
        log_level="WARNING",
        **overrides,
    )


async def main(performs: int, *, offline: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        webm = recording(Path(tmp))
        if offline:
            offline_dir = Path(tmp) / "offline"
            await run("offline engine", base_settings(offline_dir), webm, performs)

        # The emulator runs in its own process, as a remote provider would: sharing this
        # process would put its audio encoding on our event loop's GIL.
        port = free_port()
        emulator = start_emulator(port)
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_until_up(url)
            emulated_dir = Path(tmp) / "emulated"
            settings = base_settings(
                emulated_dir,
                voice_provider="elevenlabs",
                elevenlabs_api_key=SecretStr("bench-key"),
                elevenlabs_base_url=url,
            )
            results = await run("ElevenLabs emulator (instant answers)", settings, webm, performs)
            async with AsyncClient(base_url=url) as client:
                state = (await client.get("/_emulator/state")).json()
            report_own_overhead(results, state["calls"])
            counts = state["call_counts"]
            calls = sum(counts.values())
            print(
                f"  provider calls: {counts} over {len(results) + 1} performs "
                f"= {calls / (len(results) + 1):.2f} per perform; peak live voices "
                f"{state['peak_live_cloned']}"
            )
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    command = Path(sys.executable).with_name("newvisions")
    return subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [str(command), "emulate", "elevenlabs", "--port", str(port), "--api-key", "bench-key"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until_up(url: str) -> None:
    async with AsyncClient(base_url=url) as client:
        for _ in range(100):
            try:
                await client.get("/_emulator/state")
            except httpx.TransportError:
                await asyncio.sleep(0.1)
            else:
                return
    raise RuntimeError("the emulator did not start")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--performs", type=int, default=50)
    parser.add_argument("--emulated-only", action="store_true", help="skip the offline-engine run")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.performs, offline=not arguments.emulated_only))
