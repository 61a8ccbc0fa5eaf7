"""Races that need real commits: one activation code, one refresh token, many clients.

These tests build their own app and engine: on SQLite a fresh file in tmp_path, on PostgreSQL
the test database with the rows they made deleted afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions.activation import service as activation_service
from newvisions.app import create_app
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Settings
from newvisions.limits.rate_limiter import RateLimiter
from newvisions.models import ActivationCode, User
from tests.conftest import _migrate

CONCURRENT = 20


@dataclass
class Committing:
    client: AsyncClient
    engine: AsyncEngine
    tag: str  # prefix of every username and batch these tests create


@pytest.fixture
async def committing(
    settings: Settings, engine: AsyncEngine, tmp_path: Path, rate_limiter: RateLimiter
) -> AsyncIterator[Committing]:
    if settings.uses_sqlite:
        own = settings.model_copy(update={"data_dir": tmp_path, "database_url": ""})
        own_engine = create_engine(own)
        await _migrate(own_engine)
    else:  # the suite's PostgreSQL database, already migrated by the `engine` fixture
        own = settings
        own_engine = create_engine(own)
    tag = f"race{uuid.uuid4().hex[:8]}"
    app = create_app(own, engine=own_engine, rate_limiter=rate_limiter)
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield Committing(client=client, engine=own_engine, tag=tag)
    finally:
        async with own_engine.begin() as connection:
            await connection.execute(delete(User).where(User.username.startswith(tag)))
            await connection.execute(delete(ActivationCode).where(ActivationCode.batch == tag))
        await own_engine.dispose()


async def _new_code(ctx: Committing) -> str:
    async with create_sessionmaker(ctx.engine)() as session, session.begin():
        (code,) = await activation_service.generate_codes(session, 1, batch=ctx.tag)
        return code.code


async def test_concurrent_registrations_with_one_code_make_one_account(
    committing: Committing,
) -> None:
    code = await _new_code(committing)

    async def register(n: int) -> tuple[int, str]:
        response = await committing.client.post(
            "/api/auth/register",
            json={
                "username": f"{committing.tag}_{n}",
                "email": f"{committing.tag}_{n}@example.com",
                "password": "long enough",
                "activation_code": code,
            },
        )
        return response.status_code, response.json().get("error", "")

    results = await asyncio.gather(*(register(n) for n in range(CONCURRENT)))
    assert Counter(results) == {(201, ""): 1, (409, "activation_code_used"): CONCURRENT - 1}
    async with committing.engine.connect() as connection:
        accounts = await connection.scalar(
            select(func.count()).select_from(User).where(User.username.startswith(committing.tag))
        )
        used_by = await connection.scalar(
            select(ActivationCode.used_by_user_id).where(ActivationCode.code == code)
        )
        winner = await connection.scalar(
            select(User.id).where(User.username.startswith(committing.tag))
        )
    assert accounts == 1
    assert used_by == winner


async def test_concurrent_refreshes_with_one_token_succeed_once(committing: Committing) -> None:
    code = await _new_code(committing)
    username = f"{committing.tag}_r"
    registered = await committing.client.post(
        "/api/auth/register",
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": "long enough",
            "activation_code": code,
        },
    )
    assert registered.status_code == 201
    tokens = (
        await committing.client.post(
            "/api/auth/login", json={"login": username, "password": "long enough"}
        )
    ).json()

    async def refresh() -> tuple[int, dict[str, str]]:
        response = await committing.client.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        return response.status_code, response.json()

    results = await asyncio.gather(*(refresh() for _ in range(10)))
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 401: 9}
    assert all(
        body["error"] == "invalid_refresh_token" for status, body in results if status == 401
    )
    # The other presentations of the same token look like theft: the session is ended, so
    # even the single new pair stops working (a client must not refresh twice in parallel).
    (winner,) = [body for status, body in results if status == 200]
    again = await committing.client.post(
        "/api/auth/refresh", json={"refresh_token": winner["refresh_token"]}
    )
    assert again.status_code == 401
