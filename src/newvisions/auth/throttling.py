"""Throttling of login, registration and password reset (the limits live in settings).

Login attempts are counted per account and per client address before the password is
checked, so parallel guesses cannot overshoot a limit; unknown logins are counted under
their own key, so a throttled answer does not reveal whether an account exists. Successful
attempts count too: un-counting them would need a "clear", which races with the in-memory
store's own expiry task, and the budget (five a minute) is far above what a person needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import structlog

from newvisions.auth.exceptions import TooManyAttempts
from newvisions.config.settings import Settings
from newvisions.limits.rate_limiter import RateLimit, RateLimiter

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AuthLimits:
    login_account: RateLimit
    login_address: RateLimit
    register_address: RateLimit
    reset_address: RateLimit
    reset_account: RateLimit

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthLimits:
        return cls(
            login_account=RateLimit.parse("login_account", settings.login_limit_per_account),
            login_address=RateLimit.parse("login_address", settings.login_limit_per_address),
            register_address=RateLimit.parse(
                "register_address", settings.register_limit_per_address
            ),
            reset_address=RateLimit.parse("reset_address", settings.reset_limit_per_address),
            reset_account=RateLimit.parse("reset_account", settings.reset_limit_per_account),
        )


@dataclass(frozen=True, slots=True)
class Throttle:
    """The limiter, the configured limits and the address of the client being served."""

    limiter: RateLimiter | None  # None: throttling is switched off
    limits: AuthLimits
    client_address: str

    async def enforce(self, limit: RateLimit, key: str) -> None:
        """Count one attempt under `key`, or raise 429 with Retry-After when over the limit."""
        if self.limiter is None:
            return
        wait = await self.limiter.acquire(limit, key)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            log.warning("auth.throttled", limit=limit.name, retry_after=retry_after)
            raise TooManyAttempts(
                headers={"Retry-After": str(retry_after)}, extra={"retry_after": retry_after}
            )

    async def enforce_address(self, limit: RateLimit) -> None:
        await self.enforce(limit, self.client_address)
