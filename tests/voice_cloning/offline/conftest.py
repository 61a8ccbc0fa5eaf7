"""Speech for the offline-engine tests, made by the bundled voices themselves (nothing shipped).

Engines and the calibration cache are process-wide, so each model loads once per test run.
"""

from __future__ import annotations

import numpy as np
import pytest

from newvisions.voice_cloning.analysis import analyse_recording
from newvisions.voice_cloning.providers.base import Speech, VoiceProfile
from newvisions.voice_cloning.providers.offline.engines import get_engine
from newvisions.voice_cloning.world import FloatArray, resample

SENTENCES = [
    "I had the strangest dream last night, someone kept showing me a playing card.",
    "Weird, I woke up at three and a number was stuck in my head all morning.",
    "Note to self: the same picture came back again, third night in a row now.",
]


def speak_16k(voice_key: str, text: str) -> FloatArray:
    speech = get_engine(voice_key).speak(text)
    return resample(speech.samples, speech.sample_rate, 16_000)


def recording_of(voice_key: str) -> FloatArray:
    """About 15 s of one voice reading three sentences, with short pauses, at 16 kHz."""
    pause = np.zeros(4_000, dtype=np.float32)
    parts = [part for text in SENTENCES for part in (speak_16k(voice_key, text), pause)]
    return np.concatenate(parts)


@pytest.fixture(scope="session")
def hibari_recording() -> FloatArray:
    return recording_of("hibari-heart")


@pytest.fixture(scope="session")
def piper_recording() -> FloatArray:
    return recording_of("piper-joe")


@pytest.fixture(scope="session")
def hibari_profile(hibari_recording: FloatArray) -> VoiceProfile:
    return analyse_recording(hibari_recording, 16_000)


@pytest.fixture(scope="session")
def piper_profile(piper_recording: FloatArray) -> VoiceProfile:
    return analyse_recording(piper_recording, 16_000)


def harmonic_tone(f0_hz: float, seconds: float, sample_rate: int = 16_000) -> FloatArray:
    """A buzzy vowel-like tone with a slow 3 % vibrato around `f0_hz`."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    f0 = f0_hz * (1 + 0.03 * np.sin(2 * np.pi * 4 * t))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    tone = sum(np.sin(k * phase) / k for k in range(1, 20))
    return np.asarray(0.3 * tone / np.max(np.abs(tone)), dtype=np.float32)


def median_f0(speech: Speech) -> float:
    from newvisions.voice_cloning.world import f0_track, pitch_stats_of_track

    samples = resample(speech.samples, speech.sample_rate, 16_000)
    return pitch_stats_of_track(f0_track(samples)).median_hz
