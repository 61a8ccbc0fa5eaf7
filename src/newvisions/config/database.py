"""The async engine and the session that makes one request one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, cast

import aiosqlite
from fastapi import Depends, Request
from sqlalchemy import CursorResult, Result, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util.concurrency import await_

from newvisions.config.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Execution option for connections that only read: on SQLite they skip the write lock.
READ_ONLY_OPTION = "nv_read_only"


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.effective_database_url
    if settings.uses_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=settings.database_echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        echo=settings.database_echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, busy timeout; and SQLAlchemy-controlled transactions.

    The sqlite3 driver opens transactions lazily on its own, which breaks SAVEPOINT and makes
    `BEGIN` happen after the first read. Taking control (isolation_level=None + an explicit
    BEGIN) is the documented way to get real transactions.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: concurrent writers queue on busy_timeout
        # instead of failing with "database is locked" when a read turns into a write.
        # Connections marked read-only (probes) take no lock at all.
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION)
        statement = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        driver = connection.connection.driver_connection
        if isinstance(driver, aiosqlite.Connection):
            # One trip to the driver's thread; through a cursor it takes three (open,
            # execute, close), and every transaction begins this way.
            await_(driver.execute(statement))
        else:
            connection.exec_driver_sql(statement)


def affected_rows(result: Result[Any]) -> int:
    """Rows changed by an UPDATE/DELETE (the Result of such a statement is a CursorResult)."""
    return int(cast("CursorResult[Any]", result).rowcount)


def create_sessionmaker(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; `read_only` ones (GET/HEAD requests) connect only when they first
    query, then begin without the write lock (see `_on_begin`)."""
    if read_only:
        return async_sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
            info={READ_ONLY_OPTION: True},
        )
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# Methods whose requests only read: their transaction takes no write lock on SQLite.
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def is_read_only(session: AsyncSession) -> bool:
    """True for the session of a GET/HEAD request (see get_session): it must not write."""
    return bool(session.info.get(READ_ONLY_OPTION))


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One request is one transaction: commit on success, roll back on any error.

    Services and repositories only flush; this is the single place that commits.
    GET and HEAD requests read only: on SQLite their transaction is a plain BEGIN, so
    concurrent reads neither queue on the write lock nor hold it against writers; and one
    that never queries (its token check was cached) never takes a connection.
    """
    state = request.app.state
    read_only = request.method in READ_ONLY_METHODS
    sessionmaker: async_sessionmaker[AsyncSession] = (
        state.read_only_sessionmaker if read_only else state.sessionmaker
    )
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": the commit runs before the response is sent, so a failed commit is
# answered with an error instead of a success that was never stored.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]


@asynccontextmanager
async def standalone_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One transaction outside any request (command line, start-up): commit or roll back."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()
