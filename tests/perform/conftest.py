"""A live app for performs: its own committing database, real providers or their emulators.

A perform commits each step in its own short transaction, so it cannot run inside the
rolled-back test session: the app here uses a migrated database of its own (SQLite file, or
the PostgreSQL test database with the test's users deleted afterwards).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from newvisions.activation import service as activation_service
from newvisions.app import create_app
from newvisions.config.database import create_sessionmaker
from newvisions.config.settings import Settings
from newvisions.models import User
from tests.content.conftest import (  # noqa: F401 - the Gemini emulator on loopback
    EMULATOR_API_KEY,
    EMULATOR_MODEL,
    RunningEmulator,
    running_emulator,
)
from tests.factories import LoggedIn, sign_up, upload_recording
from tests.voice_cloning.conftest import (  # noqa: F401 - fixtures shared with the clone tests
    API_KEY,
    EmulatorServer,
    committed_engine,
    emulator,
    emulator_server,
)
from tests.voice_cloning.recording.conftest import good_webm, speech  # noqa: F401

_numbers = itertools.count(1)


@dataclass
class Live:
    app: FastAPI
    client: AsyncClient
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    user_ids: list[uuid.UUID] = field(default_factory=list)

    async def performer(self, recording: bytes | None) -> LoggedIn:
        """A registered, logged-in performer, with `recording` uploaded when given."""
        n = next(_numbers)
        username = f"live{n}x{uuid.uuid4().hex[:6]}"
        async with self.sessionmaker.begin() as session:
            (code,) = await activation_service.generate_codes(session, 1)
        user = await sign_up(self.client, code.code, username=username)
        self.user_ids.append(uuid.UUID(user.user_id))
        if recording is not None:
            await upload_recording(self.client, user.headers, recording)
        return user


LiveFactory = Callable[..., Awaitable[Live]]


@pytest.fixture
async def live_app(
    settings: Settings,
    committed_engine: tuple[AsyncEngine, str],  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[LiveFactory]:
    """`await live_app(**settings)`: a live app with those settings over a committing db."""
    engine, url = committed_engine
    made: list[Live] = []

    async def build(**overrides: Any) -> Live:
        live_settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            **{
                **settings.model_dump(),
                "data_dir": tmp_path,
                "database_url": url,
                "jwt_secret": SecretStr("live-secret-" + "y" * 40),
                "rate_limits_enabled": False,
                **overrides,
            },
        )
        app = create_app(live_settings, engine=engine)
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        client = AsyncClient(transport=transport, base_url="http://test")
        live = Live(app, client, create_sessionmaker(engine), live_settings)
        made.append(live)
        return live

    yield build
    for live in made:
        await live.client.aclose()
        await live.app.state.voice_cloning.aclose()
        async with live.sessionmaker.begin() as session:
            if live.user_ids:
                await session.execute(delete(User).where(User.id.in_(live.user_ids)))


def elevenlabs_settings(server: EmulatorServer) -> dict[str, Any]:
    return {
        "voice_provider": "elevenlabs",
        "elevenlabs_api_key": SecretStr(API_KEY),
        "elevenlabs_base_url": server.url,
        "elevenlabs_model_id": "eleven_flash_v2_5",
    }


def gemini_settings(running: RunningEmulator) -> dict[str, Any]:
    return {
        "thought_provider": "gemini",
        "gemini_api_key": SecretStr(EMULATOR_API_KEY),
        "gemini_model": EMULATOR_MODEL,
        "gemini_base_url": running.base_url,
    }
