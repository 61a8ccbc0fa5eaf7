"""A GET may reuse this process's check of an access token for a moment; nothing that may
write ever does, and any such request makes every GET check afresh (decision 0015)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions.auth.cache import AuthCache
from newvisions.auth.jwt_handler import encode_access_token
from newvisions.models import AuthSession, User


@contextmanager
def counted_queries(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _auth_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM auth_sessions" in s]


async def test_a_second_get_reuses_the_check_of_the_first(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str], engine: AsyncEngine
) -> None:
    _, client = served
    headers = {"Authorization": performer["Authorization"]}
    with counted_queries(engine) as statements:
        first = await client.get("/api/users/me", headers=headers)
        checked = len(_auth_queries(statements))
        second = await client.get("/api/users/me", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert checked == 1
    assert len(_auth_queries(statements)) == 1  # the second GET did not look again


async def test_logout_applies_at_once_to_the_next_get(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str]
) -> None:
    _, client = served
    headers = {"Authorization": performer["Authorization"]}
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401


async def test_a_change_made_by_any_write_request_is_seen_by_the_next_get(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str]
) -> None:
    app, client = served
    headers = {"Authorization": performer["Authorization"]}
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    # Deactivated behind the API's back (as another worker would): the cached check survives...
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            update(User).where(User.id == uuid.UUID(performer["user_id"])).values(is_active=False)
        )
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    # ...until any request that may write passes through this process (even a refused one).
    await client.post("/api/auth/login", json={"login": "nobody", "password": "x" * 12})
    refused = await client.get("/api/users/me", headers=headers)
    assert refused.status_code in (401, 403), refused.text


async def test_the_check_is_forgotten_after_its_lifetime(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = served
    headers = {"Authorization": performer["Authorization"]}
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == uuid.UUID(performer["session_id"]))
            .values(revoked_at=datetime.now(UTC), revoked_reason="logout")
        )
    cache: AuthCache = app.state.auth_cache
    later = time.monotonic() + cache.ttl_s + 0.1
    monkeypatch.setattr(cache, "_clock", lambda: later)
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401


def test_a_check_begun_before_a_write_is_not_kept() -> None:
    cache = AuthCache(5.0)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    began = cache.generation
    cache.clear()  # a write request passed while the check was reading the database
    cache.put("token", object(), expires, generation=began)  # type: ignore[arg-type]
    assert cache.get("token") is None
    cache.put("token", object(), expires, generation=cache.generation)  # type: ignore[arg-type]
    assert cache.get("token") is not None
    assert cache.get("another token") is None


def test_zero_seconds_turns_it_off() -> None:
    cache = AuthCache(0)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    cache.put("token", object(), expires, generation=cache.generation)  # type: ignore[arg-type]
    assert cache.get("token") is None


async def test_an_expired_token_is_refused_even_when_its_check_is_cached(
    served: tuple[FastAPI, AsyncClient], performer: dict[str, str]
) -> None:
    app, client = served
    headers = {"Authorization": performer["Authorization"]}
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    cache: AuthCache = app.state.auth_cache
    entry = cache.get(performer["Authorization"].removeprefix("Bearer "))
    assert entry is not None
    # A token of the same live session that expired a moment ago, its check in the cache.
    expired, expires_at = encode_access_token(
        uuid.UUID(performer["user_id"]),
        uuid.UUID(performer["session_id"]),
        app.state.settings.jwt_secret_value,
        now=datetime.now(UTC) - timedelta(minutes=16),
    )
    assert expires_at < datetime.now(UTC)
    cache.put(expired, entry.authenticated, expires_at, generation=cache.generation)
    refused = await client.get("/api/users/me", headers={"Authorization": f"Bearer {expired}"})
    assert refused.status_code == 401
