"""Offline "cloning": move a bundled TTS voice toward the performer with the WORLD vocoder.

Three changes, each scaled by how far the performer wants the voice moved (`amount`, from the
`voice_similarity` setting):

1. pitch: the log-F0 contour is mapped to the performer's mean and spread;
2. formants: the spectral envelope is warped, new(f) = old(f / alpha), alpha > 1 raising them;
3. tone: a static EQ gives the utterance the long-term spectral shape of the recording. That
   shape includes the performer's microphone and room, not only the voice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newvisions.voice_cloning.world import (
    ENVELOPE_BINS,
    Float64Array,
    FloatArray,
    PitchStats,
    WorldFeatures,
    mean_log_envelope,
    peak_normalise,
    synthesize,
)

ALPHA_MIN = 0.8
ALPHA_MAX = 1.3


@dataclass(frozen=True, slots=True)
class VoiceTarget:
    """Where full adaptation lands: the performer's pitch, formant warp and tone."""

    pitch: PitchStats
    alpha: float
    timbre: Float64Array | None


@dataclass(frozen=True, slots=True)
class AdaptationStrength:
    amount: float  # 0 = the base voice unchanged, 1 = all the way to the target
    timbre_strength: float  # EQ strength at amount 1
    pitch_range_scale: float = 1.0  # prosody: < 1 flatter, > 1 livelier intonation

    @property
    def is_identity(self) -> bool:
        return self.amount <= 0.0 and abs(self.pitch_range_scale - 1.0) < 1e-6


def _towards(source: float, target: float, amount: float) -> float:
    return source + amount * (target - source)


def map_pitch(
    f0: Float64Array, source: PitchStats, target: PitchStats, strength: AdaptationStrength
) -> Float64Array:
    """Gaussian log-F0 mapping of the voiced frames; unvoiced frames stay 0."""
    mean = _towards(source.log_f0_mean, target.log_f0_mean, strength.amount)
    spread = _towards(source.log_f0_std, target.log_f0_std, strength.amount)
    out = f0.copy()
    voiced = f0 > 0
    z = (np.log(f0[voiced]) - source.log_f0_mean) / max(source.log_f0_std, 1e-3)
    out[voiced] = np.exp(mean + z * spread * strength.pitch_range_scale)
    return out


def warp_envelope(envelope: Float64Array, alpha: float) -> Float64Array:
    """Frequency-warp every frame: new(f) = old(f / alpha), linear interpolation."""
    if abs(alpha - 1.0) < 1e-6:
        return envelope
    n_bins = envelope.shape[1]
    source = np.clip(np.arange(n_bins) / alpha, 0, n_bins - 1)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, n_bins - 1)
    frac = (source - low)[None, :]
    return np.ascontiguousarray(envelope[:, low] * (1.0 - frac) + envelope[:, high] * frac)


def match_tone(
    envelope: Float64Array, f0: Float64Array, timbre: Float64Array, strength: float
) -> Float64Array:
    """Static EQ toward the recording's long-term spectral shape (`strength` 0..1+)."""
    if len(timbre) != ENVELOPE_BINS:
        raise ValueError(f"tone curve has {len(timbre)} bins, expected {ENVELOPE_BINS}")
    gain = strength * (timbre - mean_log_envelope(envelope, f0))
    return np.ascontiguousarray(envelope * np.exp(gain)[None, :])


def adapt_features(
    features: WorldFeatures,
    source: PitchStats,
    target: VoiceTarget,
    strength: AdaptationStrength,
) -> FloatArray:
    """Re-synthesise analysed TTS output with the target voice; 16 kHz float32."""
    f0 = map_pitch(features.f0, source, target.pitch, strength)
    alpha = _towards(1.0, target.alpha, strength.amount)
    envelope = warp_envelope(features.envelope, alpha)
    tone_strength = strength.amount * strength.timbre_strength
    if target.timbre is not None and tone_strength > 0:
        envelope = match_tone(envelope, f0, target.timbre, tone_strength)
    return peak_normalise(synthesize(f0, envelope, features.aperiodicity, features.frame_period_ms))
