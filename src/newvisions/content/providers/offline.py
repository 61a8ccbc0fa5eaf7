"""The offline provider: the phrase-bank composer, no network, no key."""

from __future__ import annotations

from newvisions.content.composer import compose
from newvisions.content.providers.base import ThoughtRequest


class OfflineThoughtProvider:
    name = "offline"

    async def generate(self, request: ThoughtRequest) -> str:
        return compose(
            request.value,
            request.rng,
            previous=request.previous_note,
            target=request.target_chars,
            bounds=request.bounds_chars,
        )

    async def aclose(self) -> None:
        return None
