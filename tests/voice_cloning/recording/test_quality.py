"""Each quality check, with a generated file that fails that check and no other."""

from __future__ import annotations

import numpy as np
import pytest

from newvisions.utils.errors import AppError
from newvisions.voice_cloning.recording.decoding import DecodeLimits, decode_recording
from newvisions.voice_cloning.recording.exceptions import (
    RecordingClipped,
    RecordingMostlySilent,
    RecordingNoSpeech,
    RecordingTooLong,
    RecordingTooQuiet,
    RecordingTooShort,
)
from newvisions.voice_cloning.recording.quality import (
    DurationPolicy,
    QualityMetrics,
    judge,
    measure,
    problems,
)
from tests.voice_cloning.recording.audio_fixtures import Samples, encode, noise, silence
from tests.voice_cloning.recording.conftest import RATE, seconds

# Wider than the product default so that "too long" can be measured after a full decode.
LIMITS = DecodeLimits(max_seconds=120, timeout_s=15)
DURATIONS = DurationPolicy(min_seconds=30, max_seconds=60)


def metrics_of(samples: Samples, kind: str = "wav") -> QualityMetrics:
    return measure(decode_recording(encode(samples, RATE, kind), LIMITS))


def failing(samples: Samples, kind: str = "wav") -> list[type[AppError]]:
    return [type(p) for p in problems(metrics_of(samples, kind), DURATIONS)]


def test_clean_speech_passes_every_check(speech: Samples) -> None:
    metrics = metrics_of(seconds(speech, 0, 45), "webm")
    assert problems(metrics, DURATIONS) == []
    judge(metrics, DURATIONS)  # does not raise
    assert metrics.speech_ratio > 0.9
    assert metrics.clipping_ratio == 0.0


def test_too_short(speech: Samples) -> None:
    assert failing(seconds(speech, 0, 20)) == [RecordingTooShort]


def test_too_long(speech: Samples) -> None:
    assert failing(np.concatenate([speech, speech])[: 70 * RATE], "mp3") == [RecordingTooLong]


def test_mostly_silence(speech: Samples) -> None:
    samples = np.concatenate([silence(8), seconds(speech, 0, 12), silence(25)])
    assert failing(samples) == [RecordingMostlySilent]


def test_too_quiet(speech: Samples) -> None:
    # The same voice 32 dB down (peak about -38 dBFS): still clearly speech, just faint.
    assert failing(seconds(speech, 0, 40) * 0.025, "ogg") == [RecordingTooQuiet]


@pytest.mark.parametrize("kind", ["wav", "mp3"])
def test_heavy_clipping(speech: Samples, kind: str) -> None:
    # Four times too loud, flattened at full scale; lossy coding smears but does not hide it.
    clipped = np.clip(seconds(speech, 0, 40) * 4, -1.0, 1.0)
    assert failing(clipped, kind) == [RecordingClipped]


def test_no_speech() -> None:
    assert failing(noise(40, level=0.05)) == [RecordingNoSpeech]


def test_the_first_problem_is_the_one_reported(speech: Samples) -> None:
    metrics = metrics_of(seconds(speech, 0, 20) * 0.02)
    assert [type(p) for p in problems(metrics, DURATIONS)] == [
        RecordingTooShort,
        RecordingTooQuiet,
    ]
    with pytest.raises(RecordingTooShort) as refused:
        judge(metrics, DURATIONS)
    assert "20 seconds" in refused.value.detail
