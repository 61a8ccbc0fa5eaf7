"""The offline note composer: a hand-written phrase bank, with the reveal check as final word.

A draw picks an opener, a frame that fits the value's kind, an optional detail and an
optional closer. The first draw that passes the reveal check, lands in the target length and
differs from the user's previous note wins.
"""

from __future__ import annotations

import random
from typing import Final

from newvisions.content.exceptions import NoteUnavailable
from newvisions.content.phrasebank import bank_for
from newvisions.content.phrasebank.types import PhraseBank
from newvisions.content.reveal import (
    MAX_CHARS,
    MIN_CHARS,
    TARGET_MAX_CHARS,
    TARGET_MIN_CHARS,
    reveal_check,
)
from newvisions.content.routines import SpokenValue

MAX_DRAWS: Final = 400


def _motifs(part: str, bank: PhraseBank) -> set[str]:
    lowered = f" {part.lower()} "
    return {motif for motif, triggers in bank.motifs.items() if any(t in lowered for t in triggers)}


def _parts_clash(parts: tuple[str, ...], bank: PhraseBank) -> bool:
    """Two parts sharing a motif read badly ("out of my head … in my head since")."""
    seen: set[str] = set()
    for part in parts:
        found = _motifs(part, bank)
        if found & seen:
            return True
        seen |= found
    return False


def _capitalise_first(note: str) -> str:
    for index, char in enumerate(note):
        if char.isalpha():
            return note[:index] + char.upper() + note[index + 1 :]
    return note


def _draw(bank: PhraseBank, value: SpokenValue, rng: random.Random) -> str | None:
    frames = [frame for frame in bank.frames if value.kind in frame.fits]
    details = [detail for detail in bank.details if value.kind in detail.fits]
    opener = rng.choice(bank.openers)
    template = rng.choice(frames).text
    detail = rng.choice(details).text if details and rng.random() < bank.detail_rate else ""
    closer = rng.choice(bank.closers) if rng.random() < bank.closer_rate else ""
    # Motifs are matched on templates, never on the value, so a value cannot cause a clash.
    if _parts_clash((opener, template, detail, closer), bank):
        return None
    first = opener + template.format(v=value.text, np=value.np, a_np=value.a_np) + detail
    if not first.endswith(("!", "?", "…")):
        first += "."
    return _capitalise_first(f"{first} {closer}".strip())


def _distance(note: str, target: tuple[int, int]) -> int:
    return max(target[0] - len(note), len(note) - target[1], 0)


def compose(
    value: SpokenValue,
    rng: random.Random,
    *,
    previous: str | None = None,
    target: tuple[int, int] = (TARGET_MIN_CHARS, TARGET_MAX_CHARS),
    bounds: tuple[int, int] = (MIN_CHARS, MAX_CHARS),
) -> str:
    """One note for `value`; seed `rng` for a reproducible note. Raises `NoteUnavailable`.

    Long free-text values cannot always fit the target: then the passing draw closest to it
    is kept.
    """
    bank = bank_for(value.language)
    best: str | None = None
    for _ in range(MAX_DRAWS):
        note = _draw(bank, value, rng)
        if note is None or note == previous:
            continue
        if not reveal_check(note, value, min_chars=bounds[0], max_chars=bounds[1]).ok:
            continue
        if target[0] <= len(note) <= target[1]:
            return note
        if best is None or _distance(note, target) < _distance(best, target):
            best = note
    if best is None:
        raise NoteUnavailable()
    return best
