"""A real `newvisions serve` process for the bench scripts: its own data directory, port and
database, offline engines, no keys."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt

from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Settings
from tests.proof.api_fuzz import Identities, seed

REPO = Path(__file__).resolve().parents[2]
ESPEAK_MODULE = "tests.voice_cloning.recording.espeak_speech"


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


def stop_server(server: subprocess.Popen[bytes]) -> bool:
    """Stop it; True when it had exited by itself or stopped cleanly (no crash)."""
    crashed_before = server.poll() is not None
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return False
    return not crashed_before and server.returncode in (0, -15)


async def seeded(env: dict[str, str], base_url: str, recording: bytes) -> Identities:
    """A performer with an analysed recording and an admin on the server started with `env`."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=Path(env["NV_DATA_DIR"]),
        database_url=env["NV_DATABASE_URL"],
    )
    engine = create_engine(settings)
    try:
        return await seed(create_sessionmaker(engine), base_url, recording, env["NV_JWT_SECRET"])
    finally:
        await engine.dispose()


def speech(directory: Path, seconds: int = 80) -> npt.NDArray[np.float32]:
    """`seconds` of 16 kHz English speech from espeak-ng, made in its own process."""
    out = directory / "speech.npy"
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "tests.voice_cloning.recording.espeak_speech",
            str(out),
            str(seconds),
        ],
        cwd=REPO,
        check=True,
    )
    samples: npt.NDArray[np.float32] = np.load(out)
    return samples
