"""The reveal check, with a note that breaks each rule (and good notes that must pass)."""

from __future__ import annotations

import pytest

from newvisions.content import language
from newvisions.content.reveal import count_value, reveal_check
from newvisions.content.routines import Routine, speak_value

ACE_EN = speak_value(Routine.cards, "AH", "en")
ACE_ES = speak_value(Routine.cards, "AH", "es")
SEVEN = speak_value(Routine.numbers, "7", "en")
SLEVIN = speak_value(Routine.movies, "Lucky Number Slevin", "en")
GOOD_EN = "Okay, so I dreamt about the ace of hearts last night and it felt so real. Weird."


def problems(note: str, value: object = ACE_EN, **kwargs: object) -> tuple[str, ...]:
    return reveal_check(note, value, **kwargs).problems  # type: ignore[arg-type]


def test_a_good_note_passes() -> None:
    assert problems(GOOD_EN) == ()


def test_case_and_accents_do_not_matter() -> None:
    note = "Bueno, soñé con EL AS DE CORAZÓNES boca arriba sobre mi almohada, qué raro."
    assert problems(note, ACE_ES) == ()


@pytest.mark.parametrize(
    ("note", "value", "problem"),
    [
        ("   ", ACE_EN, "empty"),
        ("Okay, so I dreamt about the queen of hearts last night and it felt real.", ACE_EN,
         "value_missing"),
        ("I dreamt about the ace of hearts and then the ace of hearts again, so weird.", ACE_EN,
         "value_repeated"),
        ("Okay, so I dreamt about the ace of hearts, it was a card on my pillow, weird.", ACE_EN,
         "category_word:card"),
        ("Soñé con el número siete pintado en todas las puertas de mi calle, qué raro.",
         speak_value(Routine.numbers, "7", "es"), "category_word:número"),
        ("I woke up with seventeen stuck in my head and I have no idea why it is there.", SEVEN,
         "value_missing"),
        ("I dreamt about the ace of hearts.", ACE_EN, "length:33"),
        ("Okay, so I dreamt about the ace of hearts " + "and it went on " * 10 + "forever.",
         ACE_EN, "length:200"),
        ("Okay, so I dreamt about the ace of hearts and 3 other things last night, weird.",
         ACE_EN, "digits"),
        ("**Okay**, so I dreamt about the ace of hearts last night and it felt so real.",
         ACE_EN, "markup"),
        ("Okay, so I dreamt about the ace of hearts last night, see https://x.y for more.",
         ACE_EN, "markup"),
    ],
)  # fmt: skip
def test_each_rule(note: str, value: object, problem: str) -> None:
    assert problem in problems(note, value)


def test_category_words_inside_the_value_are_not_a_tell() -> None:
    note = "I keep thinking about Lucky Number Slevin, it was so vivid, I can't shake it."
    assert problems(note, SLEVIN) == ()


def test_digits_are_fine_when_the_value_has_them() -> None:
    value = speak_value(Routine.custom, "R2D2", "en")
    assert (
        problems("Okay, so I dreamt about R2D2 last night and it felt so real. Weird.", value) == ()
    )


def test_whole_words_only() -> None:
    assert count_value("seventeen seven", "seven") == 1
    assert count_value("thirty seven", "thirty-seven") == 1


@pytest.mark.usefixtures("detector_loaded")
def test_wrong_language_is_rejected() -> None:
    spanish_note = "Bueno, anoche soñé con the ace of hearts y parecía tan real. Qué raro, ¿no?"
    assert problems(spanish_note, is_language=language.is_language) == ("language",)
    english_note = "Okay so I dreamt about el as de corazones and it felt so real. Weird, right?"
    assert problems(english_note, ACE_ES, is_language=language.is_language) == ("language",)
    assert problems(GOOD_EN, is_language=language.is_language) == ()


def test_custom_length_bounds() -> None:
    assert "length:80" in problems(GOOD_EN, min_chars=90, max_chars=200)
