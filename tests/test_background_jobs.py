"""The app starts its periodic jobs: stale quota reservations and expired memos go away
without anyone asking (here on a fresh SQLite file; the jobs' SQL is tested on both
databases in tests/limits and tests/audio)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from newvisions.app import create_app
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Environment, Settings
from newvisions.limits import service as limits_service
from newvisions.models import MonthlyUsage, User
from tests.conftest import _migrate


async def test_startup_releases_stale_reservations_and_purges_old_files(tmp_path: Path) -> None:
    settings = Settings(
        environment=Environment.test,
        data_dir=tmp_path,
        database_url="",
        jwt_secret=SecretStr("test-secret-" + "x" * 40),
        quota_sweep_interval_seconds=3600,
        audio_purge_interval_seconds=3600,
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(settings)
    await _migrate(engine)
    sessionmaker = create_sessionmaker(engine)
    user = User(username="bg", username_key="bg", email="bg@example.com", password_hash="x")
    long_ago = datetime.now(UTC) - timedelta(days=2)
    async with sessionmaker.begin() as session:
        session.add(user)
        await session.flush()
        await limits_service.reserve(
            session, settings, user.id, 50, request_id="crashed", model="offline", now=long_ago
        )
    stray = tmp_path / "audio" / user.id.hex / f"{uuid.uuid4().hex}.m4a"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left behind")
    os.utime(stray, (long_ago.timestamp(), long_ago.timestamp()))

    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        for _ in range(100):
            async with sessionmaker() as session:
                reserved = await session.scalar(
                    select(MonthlyUsage.reserved).where(MonthlyUsage.user_id == user.id)
                )
            if reserved == 0 and not stray.exists():
                break
            await asyncio.sleep(0.05)
    assert reserved == 0
    assert not stray.exists()
    await engine.dispose()
