"""Periodic background jobs run inside the API process (sweepers, purges).

Every job here must be safe to run in several workers at once: they are idempotent
conditional updates and deletes, so a second worker doing the same pass finds nothing to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


async def run_periodically(
    name: str, interval_s: float, job: Callable[[], Awaitable[object]]
) -> None:
    """Run `job` now and then every `interval_s` seconds until cancelled; failures are logged
    and the next round runs as planned."""
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("periodic.failed", job=name)
        await asyncio.sleep(interval_s)
