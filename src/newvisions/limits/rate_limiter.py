"""Request rate limits on the `limits` library: in memory by default, Redis when configured.

A `RateLimit` is a named list of tiers ("5/minute;20/15 minutes;100/hour"): every tier must
have room for a request to pass, so short bursts meet the short tier first and persistent
clients meet ever longer waits. Windows are moving windows, so "100 per hour" holds for any
hour, not only for clock hours.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimit:
    name: str
    tiers: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, spec: str) -> RateLimit:
        """`spec` in the `limits` notation, tiers separated by `;` (ValueError if invalid)."""
        tiers = tuple(parse_many(spec))
        if not tiers:
            raise ValueError(f"no rate limit in {spec!r}")
        return cls(name=name, tiers=tiers)

    def most_within(self, seconds: int) -> int:
        """The most requests this limit lets through in any span of `seconds`."""
        bounds = []
        for tier in self.tiers:
            window = tier.get_expiry()
            bounds.append(tier.amount * max(1, math.ceil(seconds / window)))
        return min(bounds)


class RateLimiter:
    """Counts requests per (limit, key); `acquire` answers how long the caller must wait."""

    def __init__(self, storage: Storage, *, namespace: str = "nv") -> None:
        self._storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._namespace = namespace

    @classmethod
    def from_url(cls, redis_url: str | None, *, namespace: str = "nv") -> RateLimiter:
        """Redis (shared by every worker) when a URL is given, else this process's memory."""
        if not redis_url:
            return cls(MemoryStorage(), namespace=namespace)
        uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
        storage = RedisStorage(
            uri, implementation="redispy", wrap_exceptions=True, key_prefix="nv-rate"
        )
        return cls(storage, namespace=namespace)

    def with_namespace(self, namespace: str) -> RateLimiter:
        """The same store with separate counts (e.g. one namespace per tenant or per test)."""
        return RateLimiter(self._storage, namespace=namespace)

    def _identifiers(self, limit: RateLimit, key: str) -> tuple[str, str, str]:
        # Keys are logins, emails and addresses: hash them so the store holds no personal data.
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self._namespace, limit.name, digest

    async def acquire(self, limit: RateLimit, key: str) -> float:
        """Count one request; 0 when it may proceed, else the seconds until it may.

        A refused request is not counted. If the store is unreachable the request is let
        through (and logged): an outage of the rate-limit store must not lock everyone out.
        """
        identifiers = self._identifiers(limit, key)
        try:
            wait = await self._wait(limit, identifiers)
            if wait:
                return wait
            for tier in limit.tiers:
                if not await self._strategy.hit(tier, *identifiers):
                    # A concurrent request took the last unit between the check and the hit.
                    return max(1.0, await self._wait(limit, identifiers))
        except StorageError as exc:
            # One line, no traceback: during an outage this fires on every throttled request.
            log.error("rate_limit.storage_unavailable", limit=limit.name, error=str(exc))  # noqa: TRY400
        return 0.0

    async def _wait(self, limit: RateLimit, identifiers: tuple[str, ...]) -> float:
        wait = 0.0
        now = time.time()
        for tier in limit.tiers:
            if not await self._strategy.test(tier, *identifiers):
                stats = await self._strategy.get_window_stats(tier, *identifiers)
                wait = max(wait, stats.reset_time - now, 1.0)
        return wait

    async def reset(self, limit: RateLimit, key: str) -> None:
        identifiers = self._identifiers(limit, key)
        for tier in limit.tiers:
            await self._strategy.clear(tier, *identifiers)

    async def aclose(self) -> None:
        """Close the Redis connections, if any (the memory store has nothing to close)."""
        bridge = getattr(self._storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        close = getattr(client, "aclose", None)
        if close is not None:
            await close()
