"""Alembic environment: async engine from the application's settings."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from newvisions.config.database import create_engine
from newvisions.config.settings import Settings
from newvisions.models import Base
from newvisions.models.base import UTCDateTime

target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Migrations stay self-contained: project column types render as plain SQLAlchemy."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
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
