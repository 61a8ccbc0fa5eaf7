"""A few seconds' memory of access-token checks, for read-only requests only (decision 0015).

Checking an access token against its live session and user row is most of what a simple
authenticated GET costs. A GET that finds a check this process made less than
`NV_AUTH_CACHE_SECONDS` ago for the same token reuses it (the token's expiry and its
session's are still checked). Anything that may change a session or a user — every
request that is not a GET or HEAD, whatever its outcome — empties the cache when it starts and
when it ends, so within one process a logout, a revocation or a deactivation applies at once.
Another worker's cache forgets it within those few seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from newvisions.config.database import READ_ONLY_METHODS

if TYPE_CHECKING:
    from newvisions.auth.service import Authenticated

MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class CachedCheck:
    authenticated: Authenticated
    token_expires_at: datetime  # the access token's own expiry, checked on every use
    expires_at: float  # when this process stops trusting the check (monotonic clock)


class AuthCache:
    """Per process; `ttl_s` 0 turns it off."""

    def __init__(
        self,
        ttl_s: float,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._max_entries = max_entries
        # Keyed by the access token itself: a hit skips verifying its signature again.
        self._entries: OrderedDict[str, CachedCheck] = OrderedDict()
        self.generation = 0  # bumped by every clear: a check begun before it is not kept

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, token: str) -> CachedCheck | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry.expires_at <= self._clock():
            self._entries.pop(token, None)
            return None
        return entry

    def put(
        self,
        token: str,
        authenticated: Authenticated,
        token_expires_at: datetime,
        *,
        generation: int,
    ) -> None:
        """Keep a check made since `generation` was read, unless something changed since."""
        if not self.enabled or generation != self.generation:
            return
        self._entries[token] = CachedCheck(
            authenticated, token_expires_at, self._clock() + self.ttl_s
        )
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()


class ForgetOnWrite:
    """ASGI middleware: a request that may write empties the cache before and after it runs."""

    def __init__(self, app: ASGIApp, cache: AuthCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in READ_ONLY_METHODS:
            await self.app(scope, receive, send)
            return
        self.cache.clear()
        try:
            await self.app(scope, receive, send)
        finally:
            self.cache.clear()
