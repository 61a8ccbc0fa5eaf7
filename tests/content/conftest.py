"""Content fixtures: the language detector (built once per test session) and the Gemini
emulator on a loopback socket, so the official SDK talks real HTTP to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from newvisions.content import language
from newvisions.content.providers.gemini_emulator import GeminiEmulator
from tests.loopback import BackgroundServer

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
    with BackgroundServer(emulator.app) as server:
        yield RunningEmulator(emulator, server.url)


@pytest.fixture
def emulator(running_emulator: RunningEmulator) -> Iterator[GeminiEmulator]:
    running_emulator.emulator.reset()
    yield running_emulator.emulator
    running_emulator.emulator.reset()
