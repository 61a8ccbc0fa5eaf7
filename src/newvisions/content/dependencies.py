"""The per-user limit on note previews, behind one small hook.

The app's shared rate limiter (Redis-backed with several workers) belongs to the limits
module. The app wires it here by setting `app.state.thought_preview_limiter` to an async
callable `(key) -> seconds to wait` (0 = go), built from `NV_THOUGHT_PREVIEW_RATE_LIMIT`, e.g.
`functools.partial(rate_limiter.acquire, RateLimit.parse("thoughts.preview", rate))`.
Nothing set means previews are not limited.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from newvisions.auth.dependencies import CurrentUser
from newvisions.content.exceptions import ThoughtPreviewRateLimited

# Counts one preview for the key; returns 0 when it may proceed, else the seconds to wait.
PreviewLimiter = Callable[[str], Awaitable[float]]


async def limit_previews(request: Request, user: CurrentUser) -> None:
    limiter: PreviewLimiter | None = getattr(request.app.state, "thought_preview_limiter", None)
    if limiter is None:
        return
    wait = await limiter(str(user.id))
    if wait > 0:
        raise ThoughtPreviewRateLimited(headers={"Retry-After": str(max(1, math.ceil(wait)))})


PreviewRateLimit = Annotated[None, Depends(limit_previews)]
