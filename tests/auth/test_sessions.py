"""Devices: listing, revoking, the per-user cap, logout-all, deactivation and password change."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from newvisions.config.settings import Settings
from newvisions.limits.rate_limiter import RateLimiter
from tests.conftest import build_app
from tests.factories import DEFAULT_PASSWORD, LoggedIn, register_and_login


async def _login(client: AsyncClient, user: LoggedIn, device: str) -> dict[str, str]:
    response = await client.post(
        "/api/auth/login",
        json={"login": user.username, "password": user.password, "device_name": device},
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_sessions_are_listed_with_the_current_one_marked(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session, device_name="phone")
    await _login(client, user, "tablet")
    listed = await client.get("/api/auth/sessions", headers=user.headers)
    assert listed.status_code == 200
    devices = {s["device_name"]: s for s in listed.json()}
    assert set(devices) == {"phone", "tablet"}
    assert devices["phone"]["current"] is True
    assert devices["tablet"]["current"] is False
    assert devices["phone"]["id"] == user.session_id


async def test_revoking_a_device_ends_its_tokens(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session, device_name="phone")
    tablet = await _login(client, user, "tablet")
    revoked = await client.delete(
        f"/api/auth/sessions/{tablet['session_id']}", headers=user.headers
    )
    assert revoked.status_code == 204
    me = await client.get("/api/users/me", headers=_bearer(tablet))
    assert me.status_code == 401 and me.json()["error"] == "invalid_token"
    refresh = await client.post(
        "/api/auth/refresh", json={"refresh_token": tablet["refresh_token"]}
    )
    assert refresh.json()["error"] == "invalid_refresh_token"
    again = await client.delete(f"/api/auth/sessions/{tablet['session_id']}", headers=user.headers)
    assert again.status_code == 404 and again.json()["error"] == "session_not_found"
    unknown = await client.delete(f"/api/auth/sessions/{uuid.uuid4()}", headers=user.headers)
    assert unknown.json()["error"] == "session_not_found"


async def test_another_users_session_cannot_be_revoked(
    client: AsyncClient, session: AsyncSession
) -> None:
    alice = await register_and_login(client, session)
    bob = await register_and_login(client, session)
    response = await client.delete(f"/api/auth/sessions/{alice.session_id}", headers=bob.headers)
    assert response.status_code == 404 and response.json()["error"] == "session_not_found"
    assert (await client.get("/api/users/me", headers=alice.headers)).status_code == 200


async def test_logout_all_ends_every_session(client: AsyncClient, session: AsyncSession) -> None:
    user = await register_and_login(client, session)
    other = await _login(client, user, "laptop")
    assert (await client.post("/api/auth/logout-all", headers=user.headers)).status_code == 204
    for headers in (user.headers, _bearer(other)):
        assert (await client.get("/api/users/me", headers=headers)).status_code == 401


async def test_the_oldest_session_is_revoked_over_the_cap(
    settings: Settings,
    engine: AsyncEngine,
    session: AsyncSession,
    rate_limiter: RateLimiter,
) -> None:
    app: FastAPI = build_app(
        settings.model_copy(update={"max_sessions_per_user": 2}),
        engine,
        session,
        rate_limiter,
    )
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        user = await register_and_login(client, session, device_name="first")
        second = await _login(client, user, "second")
        third = await _login(client, user, "third")
        assert (await client.get("/api/users/me", headers=user.headers)).status_code == 401
        for tokens in (second, third):
            assert (await client.get("/api/users/me", headers=_bearer(tokens))).status_code == 200
        listed = await client.get("/api/auth/sessions", headers=_bearer(third))
        assert sorted(s["device_name"] for s in listed.json()) == ["second", "third"]


async def test_no_cap_by_default(client: AsyncClient, session: AsyncSession) -> None:
    user = await register_and_login(client, session)
    for n in range(3):
        await _login(client, user, f"device {n}")
    assert (await client.get("/api/users/me", headers=user.headers)).status_code == 200
    listed = await client.get("/api/auth/sessions", headers=user.headers)
    assert len(listed.json()) == 4


async def test_password_change_ends_other_sessions_on_the_next_request(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    other = await _login(client, user, "laptop")
    changed = await client.put(
        "/api/users/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "a brand new one"},
        headers=user.headers,
    )
    assert changed.status_code == 204
    assert (await client.get("/api/users/me", headers=_bearer(other))).status_code == 401
    assert (await client.get("/api/users/me", headers=user.headers)).status_code == 200
    old = await client.post(
        "/api/auth/login", json={"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert old.json()["error"] == "invalid_credentials"
    wrong = await client.put(
        "/api/users/me/password",
        json={"current_password": "not the password", "new_password": "whatever123"},
        headers=user.headers,
    )
    assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_password"


async def test_refresh_errors(client: AsyncClient, session: AsyncSession) -> None:
    unknown = await client.post("/api/auth/refresh", json={"refresh_token": "never issued"})
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_refresh_token"
    user = await register_and_login(client, session)
    await client.post("/api/auth/logout", headers=user.headers)
    ended = await client.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert ended.json()["error"] == "invalid_refresh_token"
