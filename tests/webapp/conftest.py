"""The browser suite's world: a real uvicorn on loopback over a fresh data directory, and the
system's Chromium driven by Playwright (never a browser download), with a fake microphone
that plays synthetic speech.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.webapp.speech import synthesise

CHROMIUM = os.environ.get("NV_TEST_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
SCREENS = ARTIFACTS / "screens"
NEWVISIONS = Path(sys.executable).with_name("newvisions")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict[str, str]
    codes: list[str] = field(default_factory=list)

    def cli(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own console script)
            [str(NEWVISIONS), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@contextmanager
def serve(data_dir: Path) -> Iterator[LiveServer]:
    """`newvisions serve` on a free loopback port over `data_dir`, with 3 activation codes."""
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("NV_") or k.startswith("NV_TEST_")
    }
    env.update(
        NV_DATA_DIR=str(data_dir),
        NV_ENVIRONMENT="development",
        NV_LOG_LEVEL="WARNING",
        NV_HOST="127.0.0.1",
        NV_PORT=str(port),
    )
    server = LiveServer(url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)
    server.cli("migrate")
    server.codes = server.cli("codes", "generate", "--count", "3").split()
    log_path = data_dir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603
            [str(NEWVISIONS), "serve", "--no-migrate", "--no-bootstrap"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start in 60 s"
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("webapp-data")
    try:
        with serve(data_dir) as server:
            yield server
    finally:
        if (data_dir / "server.log").exists():
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(data_dir / "server.log", ARTIFACTS / "browser-server.log")


@pytest.fixture(scope="session")
def fake_microphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mic") / "speech.wav"
    assert synthesise(path, min_seconds=40.0) >= 35.0
    return path


def chromium_args(fake_microphone: Path) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # Nothing but loopback resolves: the browser cannot reach the network either.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_microphone}",
    ]
