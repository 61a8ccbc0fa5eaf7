"""The per-user limit on note previews, behind a small interface.

The app's shared rate limiter (one for every module, Redis-backed with several workers) is
set as `app.state.rate_limiter` by whoever owns it; this module only asks it. Any object with
`hit(key, rate)` fits.
"""

from __future__ import annotations

import math
from typing import Annotated, Protocol

from fastapi import Depends, Request

from newvisions.auth.dependencies import CurrentUser
from newvisions.content.exceptions import ThoughtPreviewRateLimited


class RateLimiter(Protocol):
    async def hit(self, key: str, rate: str) -> float | None:
        """Count one hit against `rate` (e.g. "20/minute") for `key`.

        Returns None when the hit is allowed, else the seconds until the next one is.
        """
        ...


async def limit_previews(request: Request, user: CurrentUser) -> None:
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    rate: str = request.app.state.settings.thought_preview_rate_limit
    retry_after = await limiter.hit(f"thoughts.preview:{user.id}", rate)
    if retry_after is not None:
        raise ThoughtPreviewRateLimited(
            headers={"Retry-After": str(max(1, math.ceil(retry_after)))}
        )


PreviewRateLimit = Annotated[None, Depends(limit_previews)]
