"""Alembic environment: async engine from the application's settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from newvisions.config.database import create_engine
from newvisions.config.settings import Settings
from newvisions.models import Base

target_metadata = Base.metadata


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(Settings())
    async with engine.connect() as async_connection:
        await async_connection.run_sync(_run_migrations)
        await async_connection.commit()
    await engine.dispose()


handed_over = context.config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(url=Settings().effective_database_url, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
elif handed_over is not None:  # a caller (the test suite) migrates on its own connection
    _run_migrations(handed_over)
else:
    asyncio.run(_run_online())
