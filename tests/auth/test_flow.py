"""Register → login → me → refresh → logout, and the token rules around them."""

from __future__ import annotations

import jwt
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import register_and_login


async def test_register_login_me(client: AsyncClient, session: AsyncSession) -> None:
    user = await register_and_login(client, session)
    me = await client.get("/api/users/me", headers=user.headers)
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == user.username
    assert "password" not in str(body) and "hash" not in str(body)


async def test_refresh_rotates_and_reuse_revokes_the_session(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    first = await client.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != user.refresh_token

    replay = await client.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_refresh_token"

    # The thief's replay ended the session: the legitimate new tokens are dead too.
    after = await client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.status_code == 401


async def test_logout_ends_the_session_on_the_next_request(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    assert (await client.post("/api/auth/logout", headers=user.headers)).status_code == 204
    me = await client.get("/api/users/me", headers=user.headers)
    assert me.status_code == 401
    assert me.json()["error"] == "invalid_token"


async def test_alg_none_and_foreign_keys_are_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, key="", algorithm="none")
    forged = jwt.encode(claims, key="another-secret-of-sufficient-length!!", algorithm="HS256")
    for token in (unsigned, forged, "not-a-jwt"):
        response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["error"] == "invalid_token"


async def test_wrong_password_and_unknown_user_look_the_same(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    wrong = await client.post("/api/auth/login", json={"login": user.username, "password": "x" * 9})
    unknown = await client.post("/api/auth/login", json={"login": "nobody", "password": "x" * 9})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"] == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_activation_code_is_single_use(client: AsyncClient, session: AsyncSession) -> None:
    from tests.factories import create_code

    code = await create_code(session)
    payload = {"password": "long enough pw", "activation_code": code}
    ok = await client.post(
        "/api/auth/register", json={**payload, "username": "first", "email": "f@example.com"}
    )
    assert ok.status_code == 201
    again = await client.post(
        "/api/auth/register", json={**payload, "username": "second", "email": "s@example.com"}
    )
    assert again.status_code == 409
    assert again.json()["error"] == "activation_code_used"
