"""Offline composer and language check: variety, length and speed per note language.

Prints, per language: distinct share of 1000 notes for one value (the hardest case, with the
previous note avoided) and for mixed cards/numbers/signs; length percentiles; milliseconds per
composed note; and the language detector's build time and cost per check.
"""

from __future__ import annotations

import random
import time

from newvisions.content import language
from newvisions.content.composer import compose
from newvisions.content.reveal import reveal_check
from newvisions.content.routines import SIGNS, Routine, SpokenValue, all_cards, speak_value
from newvisions.utils.validators import SUPPORTED_LANGUAGES

N = 1000


def fixed_values(lang: str) -> list[SpokenValue]:
    return (
        [speak_value(Routine.cards, card, lang) for card in all_cards()]  # type: ignore[arg-type]
        + [speak_value(Routine.numbers, f"{n:02d}", lang) for n in range(100)]  # type: ignore[arg-type]
        + [speak_value(Routine.star_signs, sign, lang) for sign in SIGNS]  # type: ignore[arg-type]
    )


def main() -> None:
    started = time.perf_counter()
    language.detector()
    print(f"language detector build: {time.perf_counter() - started:.2f} s")
    print("lang  same-value distinct  mixed distinct  len p5/p50/p95  ms/note  ms/lang-check")
    for lang in SUPPORTED_LANGUAGES:
        rng = random.Random(f"bench-{lang}")
        one = speak_value(Routine.cards, "QH", lang)  # type: ignore[arg-type]
        previous = None
        same: list[str] = []
        for _ in range(N):
            previous = compose(one, rng, previous=previous)
            same.append(previous)
        values = fixed_values(lang)
        started = time.perf_counter()
        picked = [rng.choice(values) for _ in range(N)]
        mixed = [compose(value, rng) for value in picked]
        per_note = (time.perf_counter() - started) / N * 1000
        started = time.perf_counter()
        rejected = sum(
            not reveal_check(note, value, is_language=language.is_language).ok
            for note, value in zip(mixed, picked, strict=True)
        )
        per_check = (time.perf_counter() - started) / N * 1000
        lengths = sorted(len(note) for note in mixed)
        p5, p50, p95 = (lengths[int(q * (N - 1))] for q in (0.05, 0.5, 0.95))
        print(
            f"{lang:4}  {len(set(same)) / N:18.1%}  {len(set(mixed)) / N:14.1%}  "
            f"{p5:>4}/{p50}/{p95:<5}  {per_note:7.2f}  {per_check:13.2f}"
            + (f"  REJECTED {rejected}" if rejected else "")
        )


if __name__ == "__main__":
    main()
