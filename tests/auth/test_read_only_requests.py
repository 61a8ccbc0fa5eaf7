"""GET requests run in a read transaction: no SQLite write lock, yet session use is recorded.

These tests use the app as it serves (its own `get_session`, committed data: the `served`
and `performer` fixtures of tests/auth/conftest.py), not the rolled-back test session the
other tests share.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions.models import AuthSession


async def test_a_get_request_does_not_wait_for_the_sqlite_write_lock(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str], engine: AsyncEngine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    _, client = served
    headers = {"Authorization": performer["Authorization"]}
    async with engine.connect() as writer:
        await writer.begin()  # BEGIN IMMEDIATE: holds the write lock, as a long write would
        me = await asyncio.wait_for(client.get("/api/users/me", headers=headers), timeout=5)
        sessions = await asyncio.wait_for(
            client.get("/api/auth/sessions", headers=headers), timeout=5
        )
        await writer.rollback()
    assert me.status_code == 200, me.text
    assert sessions.status_code == 200, sessions.text


async def test_a_get_request_still_records_when_the_session_was_last_used(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str]
) -> None:
    app, client = served
    headers = {"Authorization": performer["Authorization"]}
    session_id = uuid.UUID(performer["session_id"])
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            update(AuthSession).where(AuthSession.id == session_id).values(last_used_at=long_ago)
        )

    before = datetime.now(UTC)
    listed = await client.get("/api/auth/sessions", headers=headers)
    assert listed.status_code == 200, listed.text
    (current,) = (s for s in listed.json() if s["current"])
    # The answer already shows this use, although the request itself wrote nothing.
    shown = datetime.fromisoformat(current["last_used_at"].replace("Z", "+00:00"))
    assert shown.replace(tzinfo=shown.tzinfo or UTC) >= before - timedelta(seconds=1)

    async def stored() -> datetime:
        async with app.state.sessionmaker() as session:
            value = await session.scalar(
                select(AuthSession.last_used_at).where(AuthSession.id == session_id)
            )
        assert value is not None
        return value.replace(tzinfo=value.tzinfo or UTC)

    touched = await stored()
    assert touched >= before - timedelta(seconds=1)
    # Within the minute the next request writes nothing.
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    assert await stored() == touched


async def test_a_revoked_session_is_refused_by_a_get_request(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str]
) -> None:
    _, client = served
    headers = {"Authorization": performer["Authorization"]}
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401
