"""A database where commits are real, for tests of concurrency between transactions.

On SQLite: a fresh, migrated file in tmp_path. On PostgreSQL (NV_TEST_DATABASE_URL): the
test database the session fixture migrated, through a separate engine; the users made here
are deleted afterwards (their quota rows go with them, ON DELETE CASCADE).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Settings
from newvisions.models import User
from tests.conftest import _migrate


@pytest.fixture
async def committed_sessionmaker(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    own_settings = settings.model_copy(update={"data_dir": tmp_path})
    real = create_engine(own_settings)
    if real.dialect.name == "sqlite":
        await _migrate(real)
    sessionmaker = create_sessionmaker(real)
    try:
        yield sessionmaker
    finally:
        async with sessionmaker.begin() as session:
            await session.execute(delete(User).where(User.username.like("quota-%")))
        await real.dispose()


async def make_user(
    sessionmaker: async_sessionmaker[AsyncSession], monthly_char_limit: int | None = None
) -> uuid.UUID:
    name = f"quota-{uuid.uuid4().hex[:12]}"
    user = User(
        username=name,
        username_key=name,
        email=f"{name}@example.com",
        password_hash="x",
        monthly_char_limit=monthly_char_limit,
    )
    async with sessionmaker.begin() as session:
        session.add(user)
    return user.id
