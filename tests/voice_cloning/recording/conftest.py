"""Fixtures for the recording intake: real (synthetic) speech, files, a test analyser."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.voice_cloning.providers.base import BaseVoiceChoice, VoiceProfile
from newvisions.voice_cloning.recording.service import RecordingIntake
from tests.voice_cloning.recording.audio_fixtures import Samples, encode

RATE = 16_000
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    """80 s of English speech from espeak-ng, 16 kHz, peak 0.5 (made in its own process)."""
    out = tmp_path_factory.mktemp("speech") / "speech.npy"
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "tests.voice_cloning.recording.espeak_speech", str(out), "80"],
        cwd=REPO_ROOT,
        check=True,
        timeout=120,
    )
    samples: Samples = np.load(out)
    return samples


def seconds(samples: Samples, start: float, end: float) -> Samples:
    return samples[int(start * RATE) : int(end * RATE)]


@pytest.fixture(scope="session")
def good_webm(speech: Samples) -> bytes:
    """A 40 s webm/opus recording that passes every check."""
    return encode(seconds(speech, 0, 40), RATE, "webm")


@dataclass
class FakeAnalyser:
    """Deterministic stand-in for the voice analysis; records what it was given."""

    calls: list[tuple[int, int]] = field(default_factory=list)
    fail: bool = False

    def __call__(self, samples: npt.NDArray[np.float32], sample_rate: int) -> VoiceProfile:
        self.calls.append((len(samples), sample_rate))
        if self.fail:
            raise RuntimeError("analysis exploded")
        return VoiceProfile(
            speaker_embedding=[float(np.sqrt(np.mean(samples**2))), len(samples) / sample_rate],
            f0_median_hz=118.0,
            f0_log_std=0.12,
            voiced_ratio=0.6,
            base_voices={
                "en": BaseVoiceChoice(voice_key="piper-joe", formant_alpha=1.05, similarity=0.61)
            },
        )


@pytest.fixture
def analyser() -> FakeAnalyser:
    return FakeAnalyser()


def session_scope_of(session: AsyncSession) -> Callable[[], AsyncIterator[AsyncSession]]:
    """Background work joins the test's rolled-back transaction instead of committing."""

    @asynccontextmanager
    async def scope() -> AsyncIterator[AsyncSession]:
        yield session
        await session.flush()

    return scope  # type: ignore[return-value]


@pytest.fixture
def intake(app: FastAPI, session: AsyncSession, analyser: FakeAnalyser) -> RecordingIntake:
    intake: RecordingIntake = app.state.voice_recordings
    intake.session_scope = session_scope_of(session)
    intake.analyser = analyser
    return intake
