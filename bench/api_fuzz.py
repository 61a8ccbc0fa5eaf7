"""API fuzz, long form: schemathesis against a real server process, many examples per operation.

Starts `newvisions serve` (offline note and voice engines, no keys) on its own data directory,
registers a performer with an analysed 40 s recording and an admin, then runs
tests/proof/api_fuzz.py over every operation of the server's OpenAPI schema: valid and invalid
examples, checked for 5xx and for any response the schema does not declare. Routes with side
effects that would end the run (logout, account deletion, …) are left out: see SIDE_EFFECTS.

Usage: PYTHONPATH=. .venv/bin/python bench/api_fuzz.py [--examples 100] [--perform-examples 10]
       [--database-url postgresql+asyncpg://…] [--redis-url redis://…/5] [--port 18410]
Exit status 1 when any failure was found.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.proof.api_fuzz import Identities, run_fuzz, seed  # noqa: E402
from tests.voice_cloning.recording.audio_fixtures import encode  # noqa: E402

from newvisions.config.database import create_engine, create_sessionmaker  # noqa: E402
from newvisions.config.settings import Settings  # noqa: E402


def speech_webm(directory: Path, seconds: int = 40) -> bytes:
    out = directory / "speech.npy"
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "tests.voice_cloning.recording.espeak_speech", str(out), "80"],
        cwd=REPO,
        check=True,
    )
    return encode(np.load(out)[: seconds * 16_000], 16_000, "webm")


def server_env(
    data_dir: Path, port: int, database_url: str, redis_url: str | None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NV_")}
    env.update(
        {
            "NV_ENVIRONMENT": "development",
            "NV_DATA_DIR": str(data_dir),
            "NV_DATABASE_URL": database_url,
            "NV_PORT": str(port),
            "NV_HOST": "127.0.0.1",
            "NV_WORKERS": "1",
            "NV_JWT_SECRET": "fuzz-secret-" + "z" * 40,
            "NV_LOG_LEVEL": "WARNING",
        }
    )
    if redis_url:
        env["NV_REDIS_URL"] = redis_url
    return env


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own command line
            [str(Path(sys.executable).parent / "newvisions"), "serve", "--no-bootstrap"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_ready(base_url: str, server: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base_url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not start")


async def seeded(env: dict[str, str], base_url: str, recording: bytes) -> Identities:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=Path(env["NV_DATA_DIR"]),
        database_url=env["NV_DATABASE_URL"],
    )
    engine = create_engine(settings)
    try:
        return await seed(create_sessionmaker(engine), base_url, recording)
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="per operation and mode")
    parser.add_argument("--perform-examples", type=int, default=10)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--port", type=int, default=18410)
    parser.add_argument("--seed", type=int, default=None, help="default: derandomized")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nv-fuzz-") as tmp:
        directory = Path(tmp)
        recording = speech_webm(directory)
        env = server_env(directory, args.port, args.database_url, args.redis_url)
        base_url = f"http://127.0.0.1:{args.port}"
        server = start_server(env, directory / "server.log")
        try:
            wait_ready(base_url, server)
            identities = asyncio.run(seeded(env, base_url, recording))
            openapi = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
            report = run_fuzz(
                openapi,
                base_url,
                identities,
                max_examples=args.examples,
                limited={"POST /api/perform": args.perform_examples},
                seed=args.seed,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            crashed = server.returncode not in (0, -15)
            log_tail = (directory / "server.log").read_text(errors="replace")[-3000:]
    print(f"API fuzz, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, db={args.database_url or 'sqlite'}")
    print(f"examples per operation and mode: {args.examples} (perform: {args.perform_examples})")
    print(report.summary())
    print("responses per operation and status:")
    for key, count in sorted(report.statuses.items()):
        print(f"  {key}: {count}")
    if crashed:
        print(f"the server exited with {server.returncode}:\n{log_tail}")
    return 1 if report.failures or report.errors or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
