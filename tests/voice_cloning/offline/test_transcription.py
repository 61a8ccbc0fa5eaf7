from __future__ import annotations

from newvisions.voice_cloning.providers.offline.engines import get_engine
from newvisions.voice_cloning.transcription import (
    get_english_transcriber,
    mentions,
    normalised_words,
    word_error_rate,
)


def test_spelled_numbers_become_digits() -> None:
    assert normalised_words("Forty-seven, and nine; twenty!") == ["47", "and", "9", "20"]


def test_mentions_needs_the_words_in_order() -> None:
    assert mentions("It was the Queen of Clubs again.", "queen of clubs")
    assert mentions("the number forty seven", "47")
    assert not mentions("the clubs of the queen", "queen of clubs")
    assert not mentions("anything", "")


def test_word_error_rate() -> None:
    assert word_error_rate("the queen of clubs", "the queen of clubs") == 0
    assert word_error_rate("the queen of clubs", "a queen of clubs") == 0.25
    assert word_error_rate("the queen of clubs", "") == 1


def test_a_spoken_english_phrase_is_transcribed_offline() -> None:
    text = "I dreamt about the queen of clubs, and the number forty seven."
    speech = get_engine("hibari-heart").speak(text)

    transcript = get_english_transcriber().transcribe(speech.samples, speech.sample_rate)

    assert mentions(transcript, "queen of clubs"), transcript
    assert mentions(transcript, "47"), transcript
    assert word_error_rate(text, transcript) <= 0.2, transcript
