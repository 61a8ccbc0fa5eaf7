"""The offline composer: every note it writes passes the reveal check, and notes vary."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from newvisions.content import language
from newvisions.content.composer import compose
from newvisions.content.content_filter import is_allowed
from newvisions.content.phrasebank import bank_for
from newvisions.content.phrasebank.types import frame_slots_are_valid
from newvisions.content.reveal import TARGET_MAX_CHARS, TARGET_MIN_CHARS, reveal_check
from newvisions.content.routines import SIGNS, Routine, SpokenValue, all_cards, speak_value
from newvisions.utils.validators import SUPPORTED_LANGUAGES

# Joins a language never makes: "de el" -> "del", "à le" -> "au", "em o" -> "no", ...
BAD_JOINS = {
    "en": re.compile(r"\b(a|an) the\b", re.IGNORECASE),
    "es": re.compile(r"\b(de|a) el\b", re.IGNORECASE),
    "fr": re.compile(r"\b(de|à) (le|les)\b", re.IGNORECASE),
    "it": re.compile(r"\b(di|a|da|in|su) (il|lo|l')", re.IGNORECASE),
    "pt": re.compile(r"\b(de|em) (o|a|os|as) ", re.IGNORECASE),
    "de": re.compile(r"\b(von|zu|an|in) (dem|der) \w+-", re.IGNORECASE),
}
FREE_TEXT = {
    Routine.names: ["Lucía", "John", "María José"],
    Routine.movies: ["Titanic", "The Godfather", "El laberinto del fauno"],
    Routine.phobias: ["spiders", "las alturas", "clowns"],
    Routine.years: ["1987", "2005"],
    Routine.custom: ["a red balloon", "mi abuela"],
}


def fixed_values(lang: str) -> list[SpokenValue]:
    cards = [speak_value(Routine.cards, card, lang) for card in all_cards()]  # type: ignore[arg-type]
    numbers = [speak_value(Routine.numbers, f"{n:02d}", lang) for n in range(100)]  # type: ignore[arg-type]
    signs = [speak_value(Routine.star_signs, sign, lang) for sign in SIGNS]  # type: ignore[arg-type]
    assert (len(cards), len(numbers), len(signs)) == (52, 100, 12)
    return cards + numbers + signs


@pytest.mark.usefixtures("detector_loaded")
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_card_number_and_sign_gives_a_passing_note(lang: str) -> None:
    rng = random.Random(f"property-{lang}")
    failures = []
    for value in fixed_values(lang):
        for _ in range(2):
            note = compose(value, rng)
            found = reveal_check(note, value, is_language=language.is_language).problems
            if found or BAD_JOINS[lang].search(note) or not is_allowed(note):
                failures.append((value.text, note, found))
            assert TARGET_MIN_CHARS <= len(note) <= TARGET_MAX_CHARS, note
    assert failures == []


@pytest.mark.usefixtures("detector_loaded")
@pytest.mark.parametrize("lang", ["fr", "de", "it", "pt"])
def test_smaller_banks_also_pass_for_every_value(lang: str) -> None:
    rng = random.Random(f"property-{lang}")
    free = [speak_value(r, raw, lang) for r, raws in FREE_TEXT.items() for raw in raws]  # type: ignore[arg-type]
    failures = [
        (value.text, note)
        for value in fixed_values(lang) + free
        for note in [compose(value, rng)]
        if reveal_check(note, value, is_language=language.is_language).problems
        or BAD_JOINS[lang].search(note)
    ]
    assert failures == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_free_text_values_give_passing_notes(lang: str) -> None:
    rng = random.Random(f"free-{lang}")
    for routine, raws in FREE_TEXT.items():
        for raw in raws:
            value = speak_value(routine, raw, lang)  # type: ignore[arg-type]
            for _ in range(5):
                note = compose(value, rng)
                assert reveal_check(note, value).ok, note
                assert not BAD_JOINS[lang].search(note), note


@pytest.mark.parametrize("lang", ["en", "es"])
def test_one_value_a_thousand_times_is_at_least_90_percent_distinct(lang: str) -> None:
    """The hardest case for variety: the same card every time, the previous note avoided."""
    value = speak_value(Routine.cards, "QH", lang)  # type: ignore[arg-type]
    rng = random.Random(f"distinct-{lang}")
    notes: list[str] = []
    previous = None
    for _ in range(1000):
        previous = compose(value, rng, previous=previous)
        notes.append(previous)
    assert len(set(notes)) / len(notes) >= 0.90
    assert all(a != b for a, b in itertools.pairwise(notes))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_mixed_values_a_thousand_times_are_at_least_90_percent_distinct(lang: str) -> None:
    values = fixed_values(lang)
    rng = random.Random(f"mixed-{lang}")
    notes = [compose(rng.choice(values), rng) for _ in range(1000)]
    assert len(set(notes)) / len(notes) >= 0.90


def test_a_seed_makes_notes_reproducible() -> None:
    value = speak_value(Routine.cards, "QH", "en")
    assert compose(value, random.Random(42)) == compose(value, random.Random(42))
    assert compose(value, random.Random(1)) != compose(value, random.Random(2))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_banks_are_well_formed(lang: str) -> None:
    assert frame_slots_are_valid(bank_for(lang)) == []
