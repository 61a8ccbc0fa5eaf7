"""Access-token expiry and claims; legacy bcrypt hashes upgraded on login."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.auth.jwt_handler import encode_access_token
from newvisions.models import User
from tests.factories import register_and_login


async def test_access_token_claims_and_lifetime(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    secret = app.state.settings.jwt_secret_value
    claims = jwt.decode(user.access_token, secret, algorithms=["HS256"])
    assert {"sub", "sid", "jti", "exp", "iat"} <= set(claims)
    assert claims["sub"] == user.user_id and claims["sid"] == user.session_id
    assert claims["exp"] - claims["iat"] == 15 * 60

    expired, _ = encode_access_token(
        uuid.UUID(user.user_id),
        uuid.UUID(user.session_id),
        secret,
        now=datetime.now(UTC) - timedelta(minutes=16),
    )
    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    # A token naming another user's session is refused too.
    other = await register_and_login(client, session)
    mixed, _ = encode_access_token(uuid.UUID(user.user_id), uuid.UUID(other.session_id), secret)
    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {mixed}"})
    assert response.status_code == 401


async def test_a_legacy_bcrypt_hash_is_upgraded_on_login(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    legacy = bcrypt.hashpw(b"the old product's pw", bcrypt.gensalt(rounds=4)).decode()
    user_id = uuid.UUID(user.user_id)
    await session.execute(update(User).where(User.id == user_id).values(password_hash=legacy))
    await session.commit()
    response = await client.post(
        "/api/auth/login", json={"login": user.username, "password": "the old product's pw"}
    )
    assert response.status_code == 200
    session.expire_all()
    stored = await session.scalar(select(User.password_hash).where(User.id == user_id))
    assert stored is not None and stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
