"""Shared types for the per-language phrase banks.

A note is assembled as::

    {opener}{frame}{detail}. {closer}

* ``opener``  – a spoken lead-in that flows into the frame ("Okay, so ", "Just woke up and ").
  It never ends a sentence, so the note stays at one or two sentences.
* ``frame``   – one independent clause that carries the value through exactly one slot.
* ``detail``  – an optional tail of the same sentence (", face up on the kitchen table").
* ``closer``  – an optional short second sentence ("No idea why.").

Slots a frame may use (exactly one per frame):

* ``{v}``    – the spoken value as said or seen written ("someone kept saying {v}").
               Safe for every value, including arbitrary free text.
* ``{np}``   – the value in a noun-phrase position ("I dreamt about {np}"). The language
               decides the article: Spanish numbers become "el treinta y siete".
* ``{a_np}`` – English only: the value after "a"/"an" ("everyone there was a Scorpio").

Frames and details list the value kinds they fit, so agreement is decided by the bank author,
not guessed at run time. Arbitrary free text (phobias, custom) only gets frames whose grammar
holds for any noun phrase, singular or plural.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ValueKind(StrEnum):
    """Grammatical shape of a spoken value; frames declare which shapes they fit."""

    CARD = "card"  # definite singular noun phrase: "the ace of hearts"
    NUMBER = "number"  # numeral: "thirty-seven"
    SIGN = "sign"  # proper noun used as a predicate: "a Scorpio", "Escorpio"
    NAME = "name"  # person's name: "Lucía"
    YEAR = "year"  # "nineteen eighty-seven"
    TITLE = "title"  # a title typed by the performer: "Titanic"
    THING = "thing"  # any free text, number and gender unknown: "spiders", "las alturas"


ALL_KINDS: frozenset[ValueKind] = frozenset(ValueKind)
FIXED_VOCABULARY: frozenset[ValueKind] = frozenset(
    {ValueKind.CARD, ValueKind.NUMBER, ValueKind.SIGN}
)


def kinds(*names: ValueKind) -> frozenset[ValueKind]:
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class Frame:
    """One clause with a single value slot."""

    text: str
    fits: frozenset[ValueKind] = ALL_KINDS


@dataclass(frozen=True, slots=True)
class Detail:
    """Optional tail of the frame's sentence; starts with its own separator (", " or " ")."""

    text: str
    fits: frozenset[ValueKind] = ALL_KINDS


@dataclass(frozen=True, slots=True)
class PhraseBank:
    lang: str
    openers: tuple[str, ...]
    frames: tuple[Frame, ...]
    details: tuple[Detail, ...]
    closers: tuple[str, ...]
    # Words that name or hint a routine's category. Checked on every note, whatever the
    # routine: any of them is a tell. Matched as whole words, accent/case-insensitive.
    category_words: frozenset[str]
    # Motif -> trigger substrings. Two parts of one note may not share a motif, so a note
    # never says "out of my head ... in my head since" or "no idea why. Don't ask me why."
    motifs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Probability that a note gets a detail / a closer (keeps notes varied in rhythm).
    detail_rate: float = 0.75
    closer_rate: float = 0.6


def frame_slots_are_valid(bank: PhraseBank) -> list[str]:
    """Return problems with a bank (used by tests): every frame has exactly one slot."""
    problems: list[str] = []
    for frame in bank.frames:
        count = sum(frame.text.count(slot) for slot in ("{v}", "{np}", "{a_np}"))
        if count != 1:
            problems.append(f"{bank.lang}: frame has {count} slots: {frame.text!r}")
        if "{a_np}" in frame.text and bank.lang != "en":
            problems.append(f"{bank.lang}: {{a_np}} is English only: {frame.text!r}")
    for detail in bank.details:
        if "{" in detail.text:
            problems.append(f"{bank.lang}: detail has a slot: {detail.text!r}")
    for opener in bank.openers:
        if opener.rstrip().endswith((".", "!", "?")):
            problems.append(f"{bank.lang}: opener ends a sentence: {opener!r}")
    return problems
