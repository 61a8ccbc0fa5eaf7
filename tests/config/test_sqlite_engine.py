"""The embedded database's engine: writers take the lock up front, and a connection never goes
back to the pool with a transaction open."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
from pydantic import SecretStr
from sqlalchemy import text

from newvisions.config.database import create_engine
from newvisions.config.settings import Environment, Settings


def _sqlite_settings(directory: Path) -> Settings:
    return Settings(
        environment=Environment.test,
        data_dir=directory,
        database_url="",
        jwt_secret=SecretStr("test-secret-" + "x" * 40),
        _env_file=None,  # type: ignore[call-arg]
    )


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(tmp_path: Path) -> None:
    engine = create_engine(_sqlite_settings(tmp_path))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, aiosqlite.Connection)
            # A transaction SQLAlchemy does not know about, left open on purpose.
            await driver.execute("BEGIN IMMEDIATE")
            await driver.execute("INSERT INTO notes VALUES ('half-written')")
            assert driver.in_transaction
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, aiosqlite.Connection)
            assert not raw.driver_connection.in_transaction
            count = await connection.scalar(text("SELECT count(*) FROM notes"))
        assert count == 0
    finally:
        await engine.dispose()


async def test_committed_work_stays_and_writers_take_the_lock_up_front(tmp_path: Path) -> None:
    engine = create_engine(_sqlite_settings(tmp_path))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        async with engine.begin() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, aiosqlite.Connection)
            # BEGIN IMMEDIATE: the write lock is held before the first statement.
            other = await aiosqlite.connect(tmp_path / "newvisions.sqlite3", timeout=0.05)
            try:
                await other.execute("BEGIN IMMEDIATE")
            except aiosqlite.OperationalError as exc:
                assert "locked" in str(exc)
            else:
                raise AssertionError("a second writer got the lock during our transaction")
            finally:
                await other.close()
            await connection.execute(text("INSERT INTO notes VALUES ('kept')"))
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM notes")) == 1
    finally:
        await engine.dispose()
