"""The `ThoughtProvider` contract every note writer implements."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from newvisions.content.routines import SpokenValue


@dataclass(frozen=True, slots=True)
class ThoughtRequest:
    """Everything a provider may use to write one note."""

    value: SpokenValue
    rng: random.Random  # seeded per request: reproducible notes in tests
    previous_note: str | None  # the user's last note; never repeat it
    target_chars: tuple[int, int]  # what to aim for
    bounds_chars: tuple[int, int]  # what the reveal check accepts
    attempt: int = 1  # 2+ when an earlier candidate failed the checks


class ThoughtProvider(Protocol):
    """Writes one candidate note. The caller checks it; a provider need not be trusted.

    Raise `ThoughtProviderUnavailable` when the service cannot answer (outage, timeout, quota,
    configuration, refused prompt) and `UnusableThought` when it answered with nothing usable
    (truncated, filtered, empty); anything else is a bug.
    """

    @property
    def name(self) -> str: ...

    async def generate(self, request: ThoughtRequest) -> str: ...

    async def aclose(self) -> None: ...
