"""Content fixtures: the language detector (built once per test session) and the Gemini
emulator on a loopback socket, so the official SDK talks real HTTP to it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from newvisions.content import language
from newvisions.content.providers.gemini_emulator import GeminiEmulator

EMULATOR_API_KEY = "emulator-key"
EMULATOR_MODEL = "gemini-emulated"


@pytest.fixture(scope="session")
def detector_loaded() -> None:
    language.detector()


@dataclass
class RunningEmulator:
    emulator: GeminiEmulator
    base_url: str


@pytest.fixture(scope="session")
def running_emulator() -> Iterator[RunningEmulator]:
    emulator = GeminiEmulator(api_key=EMULATOR_API_KEY, hang_s=2.0)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            emulator.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the Gemini emulator did not start")
        time.sleep(0.01)
    yield RunningEmulator(emulator, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture
def emulator(running_emulator: RunningEmulator) -> Iterator[GeminiEmulator]:
    running_emulator.emulator.reset()
    yield running_emulator.emulator
    running_emulator.emulator.reset()
