"""Readiness checks: each dependency answers ok or a short reason, never a secret."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions.config.database import READ_ONLY_OPTION
from newvisions.health.schemas import CheckResult

ReadinessCheck = Callable[[], Awaitable[CheckResult]]

log = structlog.get_logger(__name__)


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def check() -> CheckResult:
        try:
            async with engine.connect() as connection:
                read_only = await connection.execution_options(**{READ_ONLY_OPTION: True})
                await read_only.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            log.warning("ready.database_unreachable", error=type(exc).__name__)
            return CheckResult(ok=False, detail="database unreachable")
        return CheckResult(ok=True, detail=engine.dialect.name)

    return check


async def run_checks(checks: dict[str, ReadinessCheck]) -> dict[str, CheckResult]:
    return {name: await check() for name, check in checks.items()}
