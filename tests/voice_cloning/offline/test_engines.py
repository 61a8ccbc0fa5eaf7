from __future__ import annotations

import threading

import numpy as np
import pytest

from newvisions.voice_cloning.providers.offline.engines import BASE_VOICES, LANGUAGES, get_engine

PHRASES = {
    "en": "I dreamt about the seven of diamonds again, lying on my kitchen table.",
    "es": "Soñé otra vez con el siete de diamantes, sobre la mesa de mi cocina.",
    "fr": "J'ai encore rêvé du sept de carreau, posé sur la table de ma cuisine.",
    "de": "Ich habe wieder von der Karo Sieben geträumt, sie lag auf meinem Küchentisch.",
    "it": "Ho sognato di nuovo il sette di quadri, appoggiato sul tavolo della cucina.",
    "pt": "Sonhei de novo com o sete de ouros, em cima da mesa da minha cozinha.",
}


def test_every_language_has_a_female_and_a_male_voice() -> None:
    for language in LANGUAGES:
        sexes = {v.sex for v in BASE_VOICES.values() if v.language == language}
        assert sexes == {"female", "male"}, language


@pytest.mark.parametrize("voice_key", sorted(BASE_VOICES))
def test_each_voice_speaks_for_a_plausible_duration(voice_key: str) -> None:
    voice = BASE_VOICES[voice_key]
    speech = get_engine(voice_key).speak(PHRASES[voice.language])

    # About 13 words: between roughly 100 and 350 words per minute.
    assert 2.5 < speech.duration_s < 9.0
    assert speech.samples.dtype == np.float32
    assert 0.05 < float(np.max(np.abs(speech.samples))) <= 1.0
    assert float(np.sqrt(np.mean(speech.samples**2))) > 0.01


def test_empty_text_is_silence() -> None:
    assert get_engine("hibari-heart").speak("  ").duration_s == 0


def test_espeak_voices_do_not_mix_audio_across_threads() -> None:
    keys = ["espeak-es-male", "espeak-fr-female", "espeak-de-male", "espeak-it-female"]

    def duration(key: str) -> float:
        return get_engine(key).speak(PHRASES[BASE_VOICES[key].language]).duration_s

    alone = {key: duration(key) for key in keys}
    together: dict[str, float] = {}
    threads = [
        threading.Thread(target=lambda k=key: together.__setitem__(k, duration(k))) for key in keys
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert together == pytest.approx(alone, rel=0.01)
