from __future__ import annotations

import numpy as np
import pytest

from newvisions.config.settings import Settings, VoiceProviderName
from newvisions.voice_cloning.analysis import analyse_recording, voice_analyser
from newvisions.voice_cloning.providers.base import VoiceProfile
from newvisions.voice_cloning.providers.offline.engines import LANGUAGES
from newvisions.voice_cloning.world import FloatArray, NotEnoughVoice, resample


def test_a_recording_of_a_bundled_voice_picks_that_voice(
    hibari_profile: VoiceProfile, piper_profile: VoiceProfile
) -> None:
    hibari, piper = hibari_profile, piper_profile

    assert hibari.base_voices["en"].voice_key == "hibari-heart"
    assert piper.base_voices["en"].voice_key == "piper-joe"
    assert hibari.f0_median_hz > piper.f0_median_hz * 1.08
    for profile in (hibari, piper):
        assert set(profile.base_voices) == set(LANGUAGES)
        english = profile.base_voices["en"]
        assert 0.8 <= english.formant_alpha <= 1.3
        assert english.base_similarity is not None and english.base_similarity > 0.8
        assert english.similarity > 0.7  # the same voice, re-synthesised by WORLD


def test_espeak_languages_follow_the_recording_sex(
    hibari_profile: VoiceProfile, piper_profile: VoiceProfile
) -> None:
    hibari, piper = hibari_profile, piper_profile
    assert hibari.base_voices["es"].voice_key == "espeak-es-female"
    assert piper.base_voices["fr"].voice_key == "espeak-fr-male"


def test_profile_is_json_and_survives_a_round_trip(piper_recording: FloatArray) -> None:
    at_44k = resample(piper_recording, 16_000, 44_100)
    profile = analyse_recording(at_44k, 44_100)

    restored = VoiceProfile.model_validate_json(profile.model_dump_json())
    assert restored == profile
    assert len(profile.speaker_embedding) == 256
    assert profile.tone_curve is not None and len(profile.tone_curve) == 513
    assert 70 < profile.f0_median_hz < 180


def test_a_recording_without_voice_is_refused() -> None:
    with pytest.raises(NotEnoughVoice):
        analyse_recording(np.zeros(16_000 * 5, dtype=np.float32), 16_000)


def test_the_app_analyses_uploads_only_for_the_offline_engine(
    settings: Settings, piper_recording: FloatArray
) -> None:
    hosted = settings.model_copy(update={"voice_provider": VoiceProviderName.elevenlabs})
    assert voice_analyser(hosted) is None

    offline = settings.model_copy(update={"voice_provider": VoiceProviderName.offline})
    analyser = voice_analyser(offline)
    assert analyser is not None
    profile = analyser(piper_recording, 16_000)
    assert profile.base_voices["en"].voice_key == "piper-joe"
