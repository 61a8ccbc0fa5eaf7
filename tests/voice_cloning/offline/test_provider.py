from __future__ import annotations

import math

import numpy as np
import pytest

from newvisions.voice_cloning.exceptions import (
    VoiceLanguageUnsupported,
    VoiceLimitReached,
    VoiceNotFound,
)
from newvisions.voice_cloning.providers.base import (
    BaseVoiceChoice,
    SpeechRequest,
    VoiceProfile,
    VoiceProvider,
    VoiceSample,
)
from newvisions.voice_cloning.providers.offline import OfflineVoiceProvider
from newvisions.voice_cloning.world import f0_track, resample
from tests.voice_cloning.offline.conftest import median_f0

SPANISH = "Anoche soñé con una carta, la reina de corazones, una y otra vez."


def _request(
    text: str = SPANISH,
    *,
    language: str = "es",
    sex: str = "female",
    stability: int = 50,
    similarity: int = 100,
) -> SpeechRequest:
    return SpeechRequest(text, language, sex, stability, similarity)


def _profile(
    f0_hz: float, voice_key: str = "espeak-es-male", ambiguous: bool = False
) -> VoiceProfile:
    choice = BaseVoiceChoice(
        voice_key=voice_key, formant_alpha=1.1, similarity=0.6, ambiguous=ambiguous
    )
    return VoiceProfile(
        speaker_embedding=[0.0] * 256,
        f0_median_hz=f0_hz,
        f0_log_std=0.12,
        voiced_ratio=0.6,
        base_voices={"es": choice},
    )


def _sample(profile: VoiceProfile | None) -> VoiceSample:
    return VoiceSample(audio=b"", mime_type="audio/wav", profile=profile)


def test_it_is_a_voice_provider() -> None:
    provider: VoiceProvider = OfflineVoiceProvider()
    assert provider.name == "offline"


async def test_create_list_speak_delete() -> None:
    provider = OfflineVoiceProvider(voice_limit=3)
    voice_id = await provider.create_voice("nv-1", _sample(_profile(200.0)))
    other_id = await provider.create_voice("other", _sample(None))

    assert [v.voice_id for v in await provider.list_voices("nv-")] == [voice_id]
    assert (await provider.capacity()).used == 2

    speech = await provider.synthesize(voice_id, _request())
    assert speech.sample_rate == 16_000
    assert 2.0 < speech.duration_s < 8.0

    await provider.delete_voice(voice_id)
    assert await provider.list_voices("nv-") == []
    assert [v.voice_id for v in await provider.list_voices("")] == [other_id]
    with pytest.raises(VoiceNotFound):
        await provider.synthesize(voice_id, _request())


async def test_deleting_an_unknown_voice_is_not_an_error() -> None:
    provider = OfflineVoiceProvider()
    await provider.delete_voice("offline-does-not-exist")
    assert (await provider.capacity()).used == 0


async def test_the_slot_limit_is_enforced_and_freed_by_delete() -> None:
    provider = OfflineVoiceProvider(voice_limit=2)
    first = await provider.create_voice("nv-1", _sample(None))
    await provider.create_voice("nv-2", _sample(None))
    assert (await provider.capacity()).free == 0
    with pytest.raises(VoiceLimitReached):
        await provider.create_voice("nv-3", _sample(None))
    await provider.delete_voice(first)
    assert await provider.create_voice("nv-3", _sample(None))


async def test_adaptation_moves_the_voice_to_the_profile_pitch() -> None:
    provider = OfflineVoiceProvider()
    voice_id = await provider.create_voice("nv-1", _sample(_profile(210.0)))

    base = await provider.synthesize(voice_id, _request(similarity=0))
    adapted = await provider.synthesize(voice_id, _request(similarity=100))

    assert base.sample_rate == 22_050  # similarity 0: the espeak voice as it speaks
    assert median_f0(base) < 150
    assert median_f0(adapted) == pytest.approx(210.0, rel=0.1)


async def test_without_a_profile_speaker_sex_picks_the_voice() -> None:
    provider = OfflineVoiceProvider()
    voice_id = await provider.create_voice("nv-1", _sample(None))
    text = "I had a strange dream about the queen of clubs last night."

    female = await provider.synthesize(voice_id, _request(text, language="en", sex="female"))
    male = await provider.synthesize(voice_id, _request(text, language="en", sex="male"))

    assert female.sample_rate == 24_000  # hibari heart
    assert male.sample_rate == 22_050  # piper joe
    assert median_f0(female) > median_f0(male)


async def test_an_ambiguous_profile_follows_speaker_sex() -> None:
    provider = OfflineVoiceProvider()
    clear = await provider.create_voice("nv-1", _sample(_profile(150.0)))
    ambiguous = await provider.create_voice("nv-2", _sample(_profile(150.0, ambiguous=True)))

    # Both are adapted to 150 Hz; only the ambiguous one switches base voice for "female".
    kept = await provider.synthesize(clear, _request(sex="female"))
    switched = await provider.synthesize(ambiguous, _request(sex="female"))
    assert median_f0(kept) == pytest.approx(150.0, rel=0.1)
    assert median_f0(switched) == pytest.approx(150.0, rel=0.1)
    assert not np.allclose(kept.samples[:1000], switched.samples[:1000])


def _log_f0_spread(samples: np.ndarray, rate: int) -> float:
    f0 = f0_track(resample(samples, rate, 16_000))
    return float(np.std(np.log(f0[f0 > 0])))


async def test_lower_stability_means_livelier_intonation() -> None:
    provider = OfflineVoiceProvider()
    voice_id = await provider.create_voice("nv-1", _sample(_profile(180.0)))

    lively = await provider.synthesize(voice_id, _request(stability=0))
    steady = await provider.synthesize(voice_id, _request(stability=100))

    lively_spread = _log_f0_spread(lively.samples, lively.sample_rate)
    steady_spread = _log_f0_spread(steady.samples, steady.sample_rate)
    assert lively_spread > steady_spread * 1.3
    assert math.isfinite(lively_spread)


async def test_an_unsupported_language_is_a_clear_error() -> None:
    provider = OfflineVoiceProvider()
    voice_id = await provider.create_voice("nv-1", _sample(None))
    with pytest.raises(VoiceLanguageUnsupported):
        await provider.synthesize(voice_id, _request("こんにちは", language="ja"))
