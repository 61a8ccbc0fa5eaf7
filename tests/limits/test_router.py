"""GET /api/usage, the 429 envelope, and the admins' per-user limit."""

from __future__ import annotations

from fastapi import FastAPI, Request
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.auth.dependencies import CurrentUser
from newvisions.config.database import DbSession
from newvisions.limits import service
from tests.factories import create_admin_and_login, register_and_login


def _add_reserve_route(app: FastAPI) -> None:
    """Stands in for the perform, which is the route that reserves in the product."""

    async def reserve(chars: int, request: Request, user: CurrentUser, session: DbSession) -> None:
        await service.reserve(
            session, request.app.state.settings, user.id, chars, request_id="t", model="offline"
        )

    app.add_api_route("/test/reserve", reserve, methods=["POST"], status_code=204)


async def test_usage_shows_this_month_and_recent_entries(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    _add_reserve_route(app)
    user = await register_and_login(client, session)
    empty = await client.get("/api/usage", headers=user.headers)
    assert empty.status_code == 200
    body = empty.json()
    assert (body["used"], body["reserved"], body["limit"], body["remaining"]) == (0, 0, 4000, 4000)
    assert body["period_start"].endswith("-01T00:00:00Z")
    assert body["resets_at"] > body["period_start"]
    assert body["recent"] == []

    assert (await client.post("/test/reserve?chars=120", headers=user.headers)).status_code == 204
    held = (await client.get("/api/usage", headers=user.headers)).json()
    assert (held["reserved"], held["remaining"]) == (120, 3880)
    (entry,) = held["recent"]
    assert (entry["status"], entry["reserved"], entry["charged"]) == ("reserved", 120, 0)

    # Someone else sees only their own numbers.
    other = await register_and_login(client, session)
    theirs = (await client.get("/api/usage", headers=other.headers)).json()
    assert (theirs["reserved"], theirs["recent"]) == (0, [])


async def test_over_quota_is_429_with_resets_at(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    _add_reserve_route(app)
    user = await register_and_login(client, session)
    refused = await client.post("/test/reserve?chars=4001", headers=user.headers)
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "quota_exceeded"
    assert "resets" in body["detail"]
    assert body["resets_at"].endswith("-01T00:00:00Z")
    assert (body["limit"], body["remaining"]) == (4000, 4000)
    assert int(refused.headers["Retry-After"]) > 0


async def test_usage_needs_a_login(client: AsyncClient) -> None:
    response = await client.get("/api/usage")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


async def test_the_admins_limit_applies_and_the_admin_view_shows_the_month(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    _add_reserve_route(app)
    admin = await create_admin_and_login(client, session)
    user = await register_and_login(client, session)
    assert (await client.post("/test/reserve?chars=300", headers=user.headers)).status_code == 204

    lowered = await client.put(
        f"/api/admin/users/{user.user_id}/monthly-limit",
        json={"monthly_char_limit": 500},
        headers=admin.headers,
    )
    assert lowered.status_code == 200, lowered.text
    usage = (await client.get("/api/usage", headers=user.headers)).json()
    assert (usage["limit"], usage["reserved"], usage["remaining"]) == (500, 300, 200)
    refused = await client.post("/test/reserve?chars=201", headers=user.headers)
    assert refused.status_code == 429
    assert refused.json()["remaining"] == 200

    view = await client.get(f"/api/admin/users/{user.user_id}/usage", headers=admin.headers)
    assert view.status_code == 200
    body = view.json()
    assert body["monthly_char_limit"] == 500
    characters = body["sections"]["characters"]
    assert (characters["used"], characters["reserved"]) == (0, 300)
    assert characters["resets_at"].endswith("-01T00:00:00Z")
