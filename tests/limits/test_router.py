"""GET /api/usage, the 429 envelope, and the admins' per-user limit."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from httpx import AsyncClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.auth.dependencies import CurrentUser
from newvisions.config.database import DbSession
from newvisions.limits import service
from newvisions.models import User, UserRole
from tests.factories import register_and_login


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


async def test_admins_set_a_users_limit(client: AsyncClient, session: AsyncSession) -> None:
    admin = await register_and_login(client, session)
    await session.execute(
        update(User).where(User.id == uuid.UUID(admin.user_id)).values(role=UserRole.admin)
    )
    user = await register_and_login(client, session)
    url = f"/api/usage/users/{user.user_id}/limit"

    forbidden = await client.put(url, json={"monthly_char_limit": 1}, headers=user.headers)
    assert forbidden.status_code == 403

    changed = await client.put(url, json={"monthly_char_limit": 10000}, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["limit"] == 10000
    assert (await client.get("/api/usage", headers=user.headers)).json()["limit"] == 10000

    cleared = await client.put(url, json={"monthly_char_limit": None}, headers=admin.headers)
    assert cleared.json()["limit"] == 4000

    negative = await client.put(url, json={"monthly_char_limit": -1}, headers=admin.headers)
    assert negative.status_code == 422
    missing = await client.put(
        f"/api/usage/users/{uuid.uuid4()}/limit",
        json={"monthly_char_limit": 5},
        headers=admin.headers,
    )
    assert missing.status_code == 404
    assert missing.json()["error"] == "user_not_found"
