"""Fixtures for tests that need the app as it serves: its own `get_session` and committed
data, not the rolled-back session the other tests share. They remove what they created."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions.app import create_app
from newvisions.config.settings import Settings
from newvisions.limits.rate_limiter import RateLimiter
from newvisions.models import ActivationCode, User
from tests.factories import create_code, sign_up


@pytest.fixture
async def served(
    settings: Settings, engine: AsyncEngine, rate_limiter: RateLimiter
) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    app = create_app(settings, engine=engine, rate_limiter=rate_limiter)
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield app, client


@pytest.fixture
async def performer(served: tuple[FastAPI, AsyncClient]) -> AsyncIterator[dict[str, str]]:
    app, client = served
    name = f"readonly{uuid.uuid4().hex[:10]}"
    async with app.state.sessionmaker.begin() as session:
        code = await create_code(session)
    user = await sign_up(client, code, username=name)
    yield {
        "Authorization": f"Bearer {user.access_token}",
        "session_id": user.session_id,
        "user_id": user.user_id,
    }
    async with app.state.sessionmaker.begin() as session:
        await session.execute(delete(User).where(User.id == uuid.UUID(user.user_id)))
        await session.execute(delete(ActivationCode).where(ActivationCode.code == code))
