"""The rate limiter: tiers, waits, separate keys and namespaces, memory and Redis stores."""

from __future__ import annotations

import uuid

import pytest
from limits.aio.storage import RedisStorage
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from newvisions.limits.rate_limiter import RateLimit, RateLimiter
from tests.conftest import TEST_REDIS_URL


def test_a_limit_parses_tiers_and_bounds_any_hour() -> None:
    limit = RateLimit.parse("login", "5/minute;20/15 minutes;100/hour")
    assert [t.amount for t in limit.tiers] == [5, 20, 100]
    assert limit.most_within(60) == 5
    assert limit.most_within(3600) == 80  # four 15-minute windows of 20 fit in an hour
    assert RateLimit.parse("x", "10/minute").most_within(3600) == 600
    with pytest.raises(ValueError, match="parse"):
        RateLimit.parse("x", "lots")


async def test_the_short_tier_refuses_first_and_says_how_long(
    rate_limiter: RateLimiter,
) -> None:
    limit = RateLimit.parse("t", "3/minute;5/hour")
    assert [await rate_limiter.acquire(limit, "k") for _ in range(3)] == [0, 0, 0]
    wait = await rate_limiter.acquire(limit, "k")
    assert 0 < wait <= 60
    # Another key and another namespace are counted separately.
    assert await rate_limiter.acquire(limit, "other") == 0
    assert await rate_limiter.with_namespace(uuid.uuid4().hex).acquire(limit, "k") == 0
    await rate_limiter.reset(limit, "k")
    assert await rate_limiter.acquire(limit, "k") == 0


async def test_refused_requests_are_not_counted(rate_limiter: RateLimiter) -> None:
    limit = RateLimit.parse("t", "2/minute;3/hour")
    for _ in range(2):
        assert await rate_limiter.acquire(limit, "k") == 0
    for _ in range(5):
        assert await rate_limiter.acquire(limit, "k") > 0
    await rate_limiter.reset(limit, "k")  # clears all tiers: the hour had only 2 entries
    assert await rate_limiter.acquire(limit, "k") == 0


async def test_the_long_tier_holds_when_short_windows_pass(rate_limiter: RateLimiter) -> None:
    limit = RateLimit.parse("t", "100/second;4/hour")
    assert [await rate_limiter.acquire(limit, "k") for _ in range(4)] == [0] * 4
    wait = await rate_limiter.acquire(limit, "k")
    assert 3500 < wait <= 3600


@pytest.mark.skipif(TEST_REDIS_URL is None, reason="runs when NV_TEST_REDIS_URL is set")
async def test_redis_store_is_shared_between_limiters() -> None:
    assert TEST_REDIS_URL is not None
    namespace = f"test-{uuid.uuid4().hex}"
    first = RateLimiter.from_url(TEST_REDIS_URL, namespace=namespace)
    second = RateLimiter.from_url(TEST_REDIS_URL, namespace=namespace)
    limit = RateLimit.parse("t", "2/minute")
    try:
        assert await first.acquire(limit, "k") == 0
        assert await second.acquire(limit, "k") == 0
        assert await first.acquire(limit, "k") > 0  # the second worker's hit counted
    finally:
        await first.aclose()
        await second.aclose()


async def test_an_unreachable_store_lets_requests_through() -> None:
    storage = RedisStorage(
        "async+redis://127.0.0.1:1/0",
        implementation="redispy",
        wrap_exceptions=True,
        retry=Retry(NoBackoff(), 0),  # fail at once instead of redis-py's default retries
    )
    limiter = RateLimiter(storage)
    try:
        assert await limiter.acquire(RateLimit.parse("t", "1/hour"), "k") == 0
    finally:
        await limiter.aclose()
