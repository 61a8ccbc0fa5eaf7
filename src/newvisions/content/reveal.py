"""The reveal guarantee: every note, from any provider, is checked before it is spoken.

A note passes when it is not empty, says the spoken value exactly once (accent- and
case-insensitive; hyphens and apostrophes count as spaces), names no category, stays within
the length bounds, has no digits or markup for the voice to stumble on, and reads as the
expected language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from newvisions.content.phrasebank import category_words
from newvisions.content.routines import SpokenValue, fold
from newvisions.users.schemas import Language

# Hard bounds for any note; the composer and the prompt aim at the narrower target.
MIN_CHARS: Final = 40
MAX_CHARS: Final = 160
TARGET_MIN_CHARS: Final = 80
TARGET_MAX_CHARS: Final = 120

# True when a text plausibly is in the given language (see newvisions.content.language).
LanguageVerifier = Callable[[str, Language], bool]

_MARKUP: Final = re.compile(r"[*_#<>\[\]{}`|~\\\n\r\t]|https?:|www\.")
_DIGIT: Final = re.compile(r"\d")


def match_form(text: str) -> str:
    """Folded text, every non-alphanumeric run turned into one space, padded with spaces."""
    return " " + re.sub(r"[^0-9a-z]+", " ", fold(text)).strip() + " "


def count_value(note: str, spoken_value: str) -> int:
    """Whole-word occurrences of the value ("seven" is not in "seventeen")."""
    value = match_form(spoken_value)
    if not value.strip():
        return 0
    return match_form(note).count(value)


@dataclass(frozen=True, slots=True)
class RevealResult:
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def reveal_check(
    note: str,
    value: SpokenValue,
    *,
    is_language: LanguageVerifier | None = None,
    min_chars: int = MIN_CHARS,
    max_chars: int = MAX_CHARS,
) -> RevealResult:
    """Every rule a note must follow; the result lists each broken rule."""
    text = note.strip()
    if not text:
        return RevealResult(("empty",))
    problems: list[str] = []

    occurrences = count_value(text, value.text)
    if occurrences == 0:
        problems.append("value_missing")
    elif occurrences > 1:
        problems.append("value_repeated")

    # The value may itself hold a category word ("Lucky Number Slevin", "Star Wars"), so
    # category words are looked for in the rest of the note. Every routine's words are a tell.
    rest = match_form(text).replace(match_form(value.text), " ", 1)
    problems += [
        f"category_word:{word}"
        for word in sorted(category_words(value.language))
        if match_form(word) in rest
    ]

    if not min_chars <= len(text) <= max_chars:
        problems.append(f"length:{len(text)}")
    if _DIGIT.search(text) and not _DIGIT.search(value.text):
        problems.append("digits")  # speech engines read digits their own way
    if _MARKUP.search(text):
        problems.append("markup")
    # Last and only for otherwise good notes: the detector is the slowest rule. The value is
    # left out, since a name or title may be in another language than the note.
    if is_language is not None and not problems:
        without_value = re.sub(re.escape(value.text), " ", text, count=1, flags=re.IGNORECASE)
        if without_value == text:  # the note spells the value with other accents or case
            without_value = rest
        if not is_language(without_value.strip(), value.language):
            problems.append("language")
    return RevealResult(tuple(problems))
