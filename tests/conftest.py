"""Shared fixtures: settings, a migrated database, a rolled-back session per test, a client.

The suite runs on SQLite by default and on PostgreSQL when NV_TEST_DATABASE_URL is set;
NV_TEST_REDIS_URL enables the Redis-backed variants.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from newvisions.app import create_app
from newvisions.cli import alembic_config
from newvisions.config.database import create_engine, get_session
from newvisions.config.settings import Environment, Settings
from newvisions.limits.rate_limiter import RateLimiter
from tests.network_guard import loopback_only

TEST_DATABASE_URL = os.environ.get("NV_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("NV_TEST_REDIS_URL") or None


@pytest.fixture(scope="session", autouse=True)
def _no_external_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The command line on a fresh SQLite data directory of its own."""
    from newvisions.config.settings import get_settings

    monkeypatch.setenv("NV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NV_DATABASE_URL", raising=False)
    monkeypatch.delenv("NV_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nv-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return Settings(
        environment=Environment.test,
        data_dir=data_dir,
        database_url=TEST_DATABASE_URL,
        redis_url=TEST_REDIS_URL,
        jwt_secret=SecretStr("test-secret-" + "x" * 40),
        log_json=False,
        # Tests register and log in many users from one address; the throttling tests
        # build their own app with tight limits.
        login_limit_per_address="10000/minute",
        register_limit_per_address="10000/minute",
        reset_limit_per_address="10000/minute",
        _env_file=None,  # type: ignore[call-arg]
    )


async def _migrate(engine: AsyncEngine) -> None:
    def upgrade(sync_connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await connection.run_sync(upgrade)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    await _migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """The session requests use: their commits only release a savepoint."""
    async with AsyncSession(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    ) as session:
        yield session


@pytest.fixture(scope="session")
async def rate_limit_storage() -> AsyncIterator[RateLimiter]:
    """One store for the whole run (Redis when NV_TEST_REDIS_URL is set, else memory)."""
    limiter = RateLimiter.from_url(TEST_REDIS_URL)
    yield limiter
    await limiter.aclose()


@pytest.fixture
def rate_limiter(rate_limit_storage: RateLimiter) -> RateLimiter:
    """The shared store under a namespace of this test's own: no counts leak between tests."""
    return rate_limit_storage.with_namespace(f"test-{uuid.uuid4().hex}")


def build_app(
    settings: Settings, engine: AsyncEngine, session: AsyncSession, rate_limiter: RateLimiter
) -> FastAPI:
    """An app whose requests all use the test's rolled-back session."""
    app = create_app(settings, engine=engine, rate_limiter=rate_limiter)

    async def test_session() -> AsyncIterator[AsyncSession]:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()

    app.dependency_overrides[get_session] = test_session
    return app


@pytest.fixture
def app(
    settings: Settings, engine: AsyncEngine, session: AsyncSession, rate_limiter: RateLimiter
) -> FastAPI:
    return build_app(settings, engine, session, rate_limiter)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
