from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from newvisions.health.schemas import CheckResult


async def test_health_is_ok(client: AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_checks_the_database(client: AsyncClient) -> None:
    response = await client.get("/api/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True


async def test_ready_is_503_when_a_dependency_is_down(app: FastAPI, client: AsyncClient) -> None:
    async def down() -> CheckResult:
        return CheckResult(ok=False, detail="unreachable")

    app.state.readiness_checks["probe"] = down
    response = await client.get("/api/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["probe"] == {"ok": False, "detail": "unreachable"}


async def test_metrics_count_requests_by_route_template(client: AsyncClient) -> None:
    await client.get("/api/health")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert 'nv_http_requests_total{method="GET",route="/api/health",status="200"}' in response.text


async def test_openapi_docs_are_served(client: AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "New Visions"
