from __future__ import annotations

import math

import numpy as np
import pytest

from newvisions.voice_cloning.adaptation import (
    AdaptationStrength,
    VoiceTarget,
    adapt_features,
    warp_envelope,
)
from newvisions.voice_cloning.providers.base import Speech
from newvisions.voice_cloning.world import (
    NotEnoughVoice,
    PitchStats,
    analyse,
    f0_track,
    pitch_stats_of_track,
)
from tests.voice_cloning.offline.conftest import harmonic_tone, median_f0, speak_16k


@pytest.mark.parametrize("f0_hz", [95.0, 140.0, 230.0])
def test_pitch_statistics_find_the_fundamental(f0_hz: float) -> None:
    stats = pitch_stats_of_track(f0_track(harmonic_tone(f0_hz, 2.0)))
    assert stats.median_hz == pytest.approx(f0_hz, rel=0.03)
    assert stats.voiced_ratio > 0.9
    # A 3 % vibrato: the spread of ln F0 is about 0.03 / sqrt(2).
    assert 0.005 < stats.log_f0_std < 0.05


def test_silence_has_no_pitch() -> None:
    with pytest.raises(NotEnoughVoice):
        pitch_stats_of_track(f0_track(np.zeros(16_000, dtype=np.float32)))


def test_warp_moves_spectral_peaks_by_alpha() -> None:
    envelope = np.full((3, 513), 1e-4)
    envelope[:, 100] = 1.0
    assert int(np.argmax(warp_envelope(envelope, 1.2)[0])) == 120
    assert int(np.argmax(warp_envelope(envelope, 0.8)[0])) == 80
    assert warp_envelope(envelope, 1.0) is envelope


def _adapted_median(target_hz: float, amount: float) -> tuple[float, float]:
    base = speak_16k("espeak-es-male", "Anoche soñé con una carta, la reina de corazones.")
    features = analyse(base)
    source = pitch_stats_of_track(features.f0)
    target = VoiceTarget(PitchStats(math.log(target_hz), 0.15, 0.6), alpha=1.1, timbre=None)
    adapted = adapt_features(features, source, target, AdaptationStrength(amount, 1.0))
    return source.median_hz, median_f0(Speech(adapted, 16_000))


def test_adaptation_moves_pitch_to_the_target() -> None:
    source_hz, adapted_hz = _adapted_median(220.0, amount=1.0)
    assert source_hz < 150
    assert adapted_hz == pytest.approx(220.0, rel=0.08)


def test_half_adaptation_lands_in_between() -> None:
    source_hz, adapted_hz = _adapted_median(220.0, amount=0.5)
    halfway = math.sqrt(source_hz * 220.0)  # halfway on the log scale
    assert adapted_hz == pytest.approx(halfway, rel=0.08)
