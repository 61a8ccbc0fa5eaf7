from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from newvisions import __version__
from newvisions.config.constants import API_PREFIX
from newvisions.health.schemas import Health, Readiness
from newvisions.health.service import run_checks

router = APIRouter(prefix=API_PREFIX, tags=["health"])


@router.get("/health", response_model=Health, summary="Liveness (no I/O)")
async def health() -> Health:
    return Health(status="ok", version=__version__)


@router.get(
    "/ready",
    response_model=Readiness,
    summary="Readiness: database and providers reachable",
    responses={503: {"model": Readiness, "description": "A dependency is not reachable."}},
)
async def ready(request: Request) -> JSONResponse:
    checks = await run_checks(request.app.state.readiness_checks)
    ok = all(result.ok for result in checks.values())
    body = Readiness(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
