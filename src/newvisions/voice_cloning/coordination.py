"""Per-user locks, account-wide voice-slot leases, sweeper leadership and named leases.

Two backends keep one contract (tests/voice_cloning/test_coordination.py runs against both):
- `InProcessCoordinator`: plain memory; correct for exactly one worker process.
- `RedisCoordinator`: shared by every worker and instance. Each operation is one Lua script,
  so check-and-set is atomic, and time is the Redis server's, so clocks of workers never
  disagree about expiry.

Everything expires: a lease is renewed while its clone lives, so a worker that dies frees its
slot and its user's lock after at most one lease lifetime.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol, cast

from redis.asyncio import BlockingConnectionPool, Redis

from newvisions.config.settings import Settings

REDIS_KEY_PREFIX = "nv:voice:"
REDIS_POLL_S = 0.05  # how often a waiter looks again; spread by jitter
REDIS_MAX_CONNECTIONS = 32  # many waiting performs share a few connections
REDIS_TIMEOUT_S = 5.0  # for a connection from the pool, and for each reply


class CloneCoordinator(Protocol):
    @property
    def shared(self) -> bool:
        """True when the backend sees the leases of every process (the sweeper trusts it)."""
        ...

    async def try_lock_user(self, user_id: str, token: str, ttl_s: float) -> bool: ...

    async def unlock_user(self, user_id: str, token: str) -> None: ...

    async def try_acquire_slot(self, lease_id: str, capacity: int, ttl_s: float) -> bool:
        """Take one of `capacity` slots for `lease_id` (idempotent for a held lease)."""
        ...

    async def release_slot(self, lease_id: str) -> None: ...

    async def renew(self, lease_id: str, user_id: str, token: str, ttl_s: float) -> bool:
        """Extend a slot lease and its user lock; False when either was already lost."""
        ...

    async def live_leases(self) -> set[str]: ...

    async def try_lead(self, role: str, token: str, ttl_s: float) -> bool:
        """Become (or stay) the single holder of `role` for `ttl_s`."""
        ...

    async def wait_for_release(self, timeout_s: float) -> None:
        """Return when a lock or slot may have been freed, or after `timeout_s`."""
        ...

    async def hold_lease(self, name: str, ttl_s: float) -> None:
        """Take or renew the lease `name` for `ttl_s` (a sign of life of work in progress)."""
        ...

    async def drop_lease(self, name: str) -> None: ...

    async def live_of(self, names: Collection[str]) -> set[str]:
        """Which of `names` are leases held right now."""
        ...

    async def aclose(self) -> None: ...


@dataclass
class _Held:
    token: str
    expires_at: float


class InProcessCoordinator:
    """Memory of one process. Waiters wake as soon as something is released."""

    def __init__(self) -> None:
        self._users: dict[str, _Held] = {}
        self._slots: dict[str, float] = {}
        self._roles: dict[str, _Held] = {}
        self._leases: dict[str, float] = {}
        self._released = asyncio.Event()

    @property
    def shared(self) -> bool:
        return False

    def _purge(self) -> None:
        now = time.monotonic()
        self._users = {k: v for k, v in self._users.items() if v.expires_at > now}
        self._slots = {k: v for k, v in self._slots.items() if v > now}

    def _notify(self) -> None:
        self._released.set()
        self._released = asyncio.Event()

    async def try_lock_user(self, user_id: str, token: str, ttl_s: float) -> bool:
        self._purge()
        held = self._users.get(user_id)
        if held is not None and held.token != token:
            return False
        self._users[user_id] = _Held(token, time.monotonic() + ttl_s)
        return True

    async def unlock_user(self, user_id: str, token: str) -> None:
        held = self._users.get(user_id)
        if held is not None and held.token == token:
            del self._users[user_id]
            self._notify()

    async def try_acquire_slot(self, lease_id: str, capacity: int, ttl_s: float) -> bool:
        self._purge()
        if lease_id not in self._slots and len(self._slots) >= capacity:
            return False
        self._slots[lease_id] = time.monotonic() + ttl_s
        return True

    async def release_slot(self, lease_id: str) -> None:
        if self._slots.pop(lease_id, None) is not None:
            self._notify()

    async def renew(self, lease_id: str, user_id: str, token: str, ttl_s: float) -> bool:
        self._purge()
        held = self._users.get(user_id)
        if lease_id not in self._slots or held is None or held.token != token:
            return False
        expires_at = time.monotonic() + ttl_s
        self._slots[lease_id] = expires_at
        held.expires_at = expires_at
        return True

    async def live_leases(self) -> set[str]:
        self._purge()
        return set(self._slots)

    async def try_lead(self, role: str, token: str, ttl_s: float) -> bool:
        now = time.monotonic()
        held = self._roles.get(role)
        if held is not None and held.token != token and held.expires_at > now:
            return False
        self._roles[role] = _Held(token, now + ttl_s)
        return True

    async def hold_lease(self, name: str, ttl_s: float) -> None:
        self._leases[name] = time.monotonic() + ttl_s

    async def drop_lease(self, name: str) -> None:
        self._leases.pop(name, None)

    async def live_of(self, names: Collection[str]) -> set[str]:
        now = time.monotonic()
        self._leases = {k: v for k, v in self._leases.items() if v > now}
        return {name for name in names if name in self._leases}

    async def wait_for_release(self, timeout_s: float) -> None:
        released = self._released
        try:
            await asyncio.wait_for(released.wait(), timeout=max(0.0, timeout_s))
        except TimeoutError:
            return

    async def aclose(self) -> None:
        return None


# Every script reads the server clock: workers never compare their own clocks.
_NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "

_ACQUIRE_SLOT = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  return 1
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  return 1
end
return 0
"""
)

_LIVE_SLOTS = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""
)

_RENEW = (
    _NOW_MS
    + """
local ttl = tonumber(ARGV[3])
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires or tonumber(expires) <= now then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
"""
)

# Take the key when it is free, keep it when we already hold it.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisCoordinator:
    def __init__(self, redis: Redis, *, prefix: str = REDIS_KEY_PREFIX) -> None:
        self._redis = redis
        self._prefix = prefix
        self._slots_key = f"{prefix}slots"
        self._acquire = redis.register_script(_ACQUIRE_SLOT)
        self._live = redis.register_script(_LIVE_SLOTS)
        self._renew = redis.register_script(_RENEW)
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE_IF_OWNER)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = REDIS_KEY_PREFIX) -> RedisCoordinator:
        # A blocking pool: a burst of waiters queues for a connection (bounded by a timeout)
        # instead of opening one connection each; every reply is bounded too.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=REDIS_MAX_CONNECTIONS,
            timeout=REDIS_TIMEOUT_S,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            decode_responses=True,
        )
        return cls(Redis(connection_pool=pool), prefix=prefix)

    @property
    def shared(self) -> bool:
        return True

    def _user_key(self, user_id: str) -> str:
        return f"{self._prefix}user:{user_id}"

    async def _run(self, script: Any, keys: list[str], args: list[object]) -> Any:
        return await script(keys=keys, args=args)

    async def try_lock_user(self, user_id: str, token: str, ttl_s: float) -> bool:
        claimed = await self._run(self._claim, [self._user_key(user_id)], [token, _ms(ttl_s)])
        return bool(claimed)

    async def unlock_user(self, user_id: str, token: str) -> None:
        await self._run(self._release, [self._user_key(user_id)], [token])

    async def try_acquire_slot(self, lease_id: str, capacity: int, ttl_s: float) -> bool:
        taken = await self._run(self._acquire, [self._slots_key], [lease_id, capacity, _ms(ttl_s)])
        return bool(taken)

    async def release_slot(self, lease_id: str) -> None:
        await self._redis.zrem(self._slots_key, lease_id)

    async def renew(self, lease_id: str, user_id: str, token: str, ttl_s: float) -> bool:
        keys = [self._slots_key, self._user_key(user_id)]
        return bool(await self._run(self._renew, keys, [lease_id, token, _ms(ttl_s)]))

    async def live_leases(self) -> set[str]:
        members = cast(list[str], await self._run(self._live, [self._slots_key], []))
        return set(members)

    async def try_lead(self, role: str, token: str, ttl_s: float) -> bool:
        key = f"{self._prefix}leader:{role}"
        return bool(await self._run(self._claim, [key], [token, _ms(ttl_s)]))

    def _lease_key(self, name: str) -> str:
        return f"{self._prefix}lease:{name}"

    async def hold_lease(self, name: str, ttl_s: float) -> None:
        await self._redis.set(self._lease_key(name), "1", px=_ms(ttl_s))

    async def drop_lease(self, name: str) -> None:
        await self._redis.delete(self._lease_key(name))

    async def live_of(self, names: Collection[str]) -> set[str]:
        ordered = list(names)
        if not ordered:
            return set()
        found = await self._redis.mget([self._lease_key(name) for name in ordered])
        return {name for name, value in zip(ordered, found, strict=True) if value is not None}

    async def wait_for_release(self, timeout_s: float) -> None:
        # Polling keeps the backend to plain keys; jitter stops waiters moving in lockstep.
        delay = REDIS_POLL_S * (1 + random.random())  # noqa: S311 - jitter, not a secret
        await asyncio.sleep(max(0.0, min(timeout_s, delay)))

    async def aclose(self) -> None:
        await self._redis.aclose()
        await self._redis.connection_pool.disconnect()


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def build_coordinator(settings: Settings) -> CloneCoordinator:
    """Redis when it is configured (several workers or instances), memory otherwise."""
    if settings.redis_url:
        return RedisCoordinator.from_url(settings.redis_url)
    return InProcessCoordinator()
