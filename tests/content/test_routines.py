from __future__ import annotations

import pytest

from newvisions.content.exceptions import InvalidValue, UnknownRoutine
from newvisions.content.routines import Routine, parse_card, parse_routine, speak_value


@pytest.mark.parametrize(
    "raw",
    ["A of Hearts", "AH", "A♥", "ah", "ace of hearts", "the ace of hearts", "1H", "A-H",
     "As de corazones", "el as de corazones", "as de corazón"],
)  # fmt: skip
def test_card_forms_all_read_as_the_ace_of_hearts(raw: str) -> None:
    assert parse_card(raw) == ("A", "H")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("10D", ("10", "D")), ("TS", ("10", "S")), ("queen of clubs", ("Q", "C")),
     ("reina de tréboles", ("Q", "C")), ("Q♠", ("Q", "S")), ("jota de picas", ("J", "S")),
     ("K♦", ("K", "D")), ("Herz-Dame", ("Q", "H"))],
)  # fmt: skip
def test_card_forms(raw: str, expected: tuple[str, str]) -> None:
    assert parse_card(raw) == expected


@pytest.mark.parametrize("raw", ["", "11H", "ace", "queen of stars", "ZZ", "A of Hearts please"])
def test_not_a_card(raw: str) -> None:
    with pytest.raises(InvalidValue):
        parse_card(raw)


@pytest.mark.parametrize(
    ("routine", "raw", "language", "spoken"),
    [
        (Routine.cards, "AH", "en", "the ace of hearts"),
        (Routine.cards, "AH", "es", "el as de corazones"),
        (Routine.cards, "QC", "es", "la reina de tréboles"),
        (Routine.cards, "JS", "es", "la jota de picas"),
        (Routine.cards, "KD", "es", "el rey de diamantes"),
        (Routine.cards, "QH", "de", "Herz-Dame"),
        (Routine.numbers, "37", "en", "thirty-seven"),
        (Routine.numbers, "37", "es", "treinta y siete"),
        (Routine.numbers, "07", "en", "zero seven"),
        (Routine.numbers, "7", "en", "seven"),
        (Routine.numbers, "00", "es", "doble cero"),
        (Routine.numbers, "16", "pt", "dezesseis"),
        (Routine.star_signs, "Scorpio", "es", "Escorpio"),
        (Routine.star_signs, "escorpio", "en", "Scorpio"),
        (Routine.star_signs, "Leo", "fr", "Lion"),
        (Routine.years, "1987", "en", "nineteen eighty-seven"),
        (Routine.years, "1987", "es", "mil novecientos ochenta y siete"),
        (Routine.years, "the year we met", "en", "the year we met"),
        (Routine.names, "  Lucía \t  María ", "es", "Lucía María"),
        (Routine.movies, '"Titanic"', "en", "Titanic"),
    ],
)
def test_values_are_spoken_in_the_note_language(
    routine: Routine, raw: str, language: str, spoken: str
) -> None:
    assert speak_value(routine, raw, language).text == spoken  # type: ignore[arg-type]


def test_spanish_numbers_take_an_article_in_noun_phrases() -> None:
    value = speak_value(Routine.numbers, "37", "es")
    assert value.np == "el treinta y siete"


@pytest.mark.parametrize(
    ("routine", "raw"),
    [
        (Routine.numbers, "100"),
        (Routine.numbers, "-1"),
        (Routine.numbers, "seven"),
        (Routine.star_signs, "Ophiuchus"),
        (Routine.years, "3000"),
        (Routine.names, ""),
        (Routine.names, "x" * 61),
        (Routine.custom, "<b>bold</b>"),
        (Routine.custom, "see https://example.com"),
        (Routine.custom, "tab\u0000stop"),
        (Routine.phobias, "!!!"),
    ],
)
def test_invalid_values(routine: Routine, raw: str) -> None:
    with pytest.raises(InvalidValue):
        speak_value(routine, raw, "en")


def test_routines_are_the_products_names() -> None:
    assert parse_routine("star-signs") is Routine.star_signs
    assert parse_routine(" Cards ") is Routine.cards
    with pytest.raises(UnknownRoutine):
        parse_routine("tarot")
