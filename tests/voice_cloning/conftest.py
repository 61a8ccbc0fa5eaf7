"""Fixtures of the clone workflow: the ElevenLabs emulator on a real loopback socket, providers,
coordination backends and a database whose commits are real.

The workflow commits its ledger in its own transactions, so these tests cannot use the
rolled-back `session`: they use `committed_db` (a separate SQLite file, or the PostgreSQL test
database) and delete the rows they made.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from newvisions.cli import alembic_config
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Settings
from newvisions.models import User, VoiceClone
from newvisions.utils.logging import configure_logging
from newvisions.voice_cloning.coordination import (
    CloneCoordinator,
    InProcessCoordinator,
    RedisCoordinator,
)
from newvisions.voice_cloning.providers.base import (
    VOICE_NAME_PREFIX,
    VoiceProvider,
    VoiceSample,
)
from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
from newvisions.voice_cloning.providers.elevenlabs_emulator import (
    ElevenLabsEmulator,
    EmulatorConfig,
    render_audio,
)
from newvisions.voice_cloning.service import ClonePolicy, CloneService
from newvisions.voice_cloning.sweeper import CloneSweeper
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.loopback import BackgroundServer

API_KEY = "test-key"
EMULATOR_VOICE_LIMIT = 10
_user_numbers = itertools.count(1)


# ---------------------------------------------------------------------- logs


@pytest.fixture(scope="session", autouse=True)
def _logs_through_stdlib() -> None:
    """structlog routed through `logging` (as the app does), so `caplog` sees every event."""
    configure_logging(json_logs=False, level="INFO")


LogEvents = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def log_events(caplog: pytest.LogCaptureFixture) -> LogEvents:
    """`log_events("voice_clone.finished")`: those events, each with its `level`."""
    caplog.set_level(logging.INFO)

    def events(name: str) -> list[dict[str, Any]]:
        return [
            {**record.msg, "level": record.levelname.lower()}
            for record in caplog.records
            if isinstance(record.msg, dict) and record.msg.get("event") == name
        ]

    return events


# ---------------------------------------------------------------------- the emulator


@dataclass
class EmulatorServer:
    emulator: ElevenLabsEmulator
    url: str


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    emulator = ElevenLabsEmulator(EmulatorConfig(api_keys=frozenset({API_KEY})))
    with BackgroundServer(emulator.app, on_stop=emulator.close) as server:
        yield EmulatorServer(emulator, server.url)


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> ElevenLabsEmulator:
    """The shared emulator, emptied and with its default configuration, for one test."""
    emu = emulator_server.emulator
    emu.config.voice_limit = EMULATOR_VOICE_LIMIT
    emu.config.latency_s = {}
    emu.reset()
    return emu


def make_elevenlabs(url: str, **overrides: object) -> ElevenLabsVoiceProvider:
    options: dict[str, object] = {
        "api_key": API_KEY,
        "base_url": url,
        "model_id": "eleven_flash_v2_5",
        "request_timeout_s": 2.0,
        "create_timeout_s": 1.0,
        "synthesis_timeout_s": 1.0,
        "delete_timeout_s": 1.0,
        "busy_retries": 2,
        "backoff_s": 0.01,
    }
    options.update(overrides)
    return ElevenLabsVoiceProvider(**options)  # type: ignore[arg-type]


@pytest.fixture
async def elevenlabs(
    emulator: ElevenLabsEmulator, emulator_server: EmulatorServer
) -> AsyncIterator[ElevenLabsVoiceProvider]:
    provider = make_elevenlabs(emulator_server.url)
    yield provider
    await provider.aclose()


# ---------------------------------------------------------------------- providers


@dataclass
class ProviderHarness:
    """A provider under test, plus what the test can observe of its account."""

    provider: VoiceProvider
    emulator: ElevenLabsEmulator | None  # None for providers without an emulator

    async def our_voices(self) -> list[str]:
        return [v.name for v in await self.provider.list_voices(VOICE_NAME_PREFIX)]


async def _elevenlabs_harness(server: EmulatorServer) -> ProviderHarness:
    return ProviderHarness(make_elevenlabs(server.url), server.emulator)


# Workflow tests run once per entry. The offline engine joins with one line here:
#     "offline": _offline_harness,
PROVIDER_HARNESSES: dict[str, Callable[[EmulatorServer], Awaitable[ProviderHarness]]] = {
    "elevenlabs": _elevenlabs_harness,
}


@pytest.fixture(params=sorted(PROVIDER_HARNESSES))
async def harness(
    request: pytest.FixtureRequest, emulator: ElevenLabsEmulator, emulator_server: EmulatorServer
) -> AsyncIterator[ProviderHarness]:
    made = await PROVIDER_HARNESSES[request.param](emulator_server)
    yield made
    close = getattr(made.provider, "aclose", None)
    if close is not None:
        await close()


# ---------------------------------------------------------------------- coordination


async def _delete_redis_prefix(coordinator: RedisCoordinator, prefix: str) -> None:
    redis = coordinator._redis
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


# The Redis backend joins when NV_TEST_REDIS_URL is set (as in CI's PostgreSQL + Redis run).
COORDINATOR_BACKENDS = ["in-process", *(["redis"] if TEST_REDIS_URL else [])]


@pytest.fixture(params=COORDINATOR_BACKENDS)
async def coordinator(request: pytest.FixtureRequest) -> AsyncIterator[CloneCoordinator]:
    """Each backend in turn: one contract, the same tests."""
    if request.param == "in-process" or not TEST_REDIS_URL:
        yield InProcessCoordinator()
        return
    prefix = f"nvtest:{uuid.uuid4().hex[:12]}:"
    redis_coordinator = RedisCoordinator.from_url(TEST_REDIS_URL, prefix=prefix)
    try:
        yield redis_coordinator
    finally:
        await _delete_redis_prefix(redis_coordinator, prefix)
        await redis_coordinator.aclose()


# ---------------------------------------------------------------------- a committing database


@dataclass
class CommittedDb:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    url: str
    user_ids: list[uuid.UUID]

    async def make_users(self, count: int) -> list[uuid.UUID]:
        """Committed users (the ledger and `voice_clone_id` need real rows)."""
        made = []
        async with self.sessionmaker() as session, session.begin():
            for _ in range(count):
                n = next(_user_numbers)
                user_id = uuid.uuid4()
                name = f"clone{n}x{user_id.hex[:6]}"
                session.add(
                    User(
                        id=user_id,
                        username=name,
                        username_key=name,
                        email=f"{name}@example.com",
                        password_hash="not-a-real-hash",
                    )
                )
                made.append(user_id)
        self.user_ids.extend(made)
        return made

    async def clones(self, user_id: uuid.UUID | None = None) -> list[VoiceClone]:
        from newvisions.voice_cloning.repository import CloneLedgerRepository

        async with self.sessionmaker() as session:
            repo = CloneLedgerRepository(session)
            if user_id is not None:
                return list(await repo.for_user(user_id))
            return list(await repo.unfinished())

    async def voice_clone_id(self, user_id: uuid.UUID) -> str | None:
        async with self.sessionmaker() as session:
            user = await session.get(User, user_id)
            assert user is not None
            return user.voice_clone_id


@pytest.fixture(scope="session")
async def committed_engine(
    tmp_path_factory: pytest.TempPathFactory, engine: AsyncEngine, settings: Settings
) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """SQLite: a migrated file of its own. PostgreSQL: the test database (rows cleaned up)."""
    if TEST_DATABASE_URL:
        yield engine, TEST_DATABASE_URL
        return
    directory: Path = tmp_path_factory.mktemp("nv-committed")
    own = create_engine(settings.model_copy(update={"data_dir": directory, "database_url": ""}))
    url = str(own.url)

    def upgrade(sync_connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, "head")

    async with own.begin() as connection:
        await connection.run_sync(upgrade)
    yield own, url
    await own.dispose()


@pytest.fixture
async def committed_db(
    committed_engine: tuple[AsyncEngine, str],
) -> AsyncIterator[CommittedDb]:
    engine, url = committed_engine
    db = CommittedDb(engine, create_sessionmaker(engine), url, [])
    yield db
    async with db.sessionmaker() as session, session.begin():
        if db.user_ids:
            await session.execute(delete(VoiceClone).where(VoiceClone.user_id.in_(db.user_ids)))
            await session.execute(delete(User).where(User.id.in_(db.user_ids)))
        # Rows a test made without a user (orphans on purpose) carry no user id.
        await session.execute(delete(VoiceClone).where(VoiceClone.user_id.is_(None)))


# ---------------------------------------------------------------------- the workflow


RECORDING = render_audio("a thirty second recording of the performer " * 2, "mp3_44100_128")[0]


async def load_sample(_user_id: uuid.UUID) -> VoiceSample:
    return VoiceSample(audio=RECORDING, mime_type="audio/mpeg", profile=None)


def policy(**overrides: float) -> ClonePolicy:
    values: dict[str, float] = {
        "slot_wait_s": 10.0,
        "lease_s": 10.0,
        "slot_reserve": 0,
        "capacity_refresh_s": 60.0,
    }
    values.update(overrides)
    return ClonePolicy(
        slot_wait_s=values["slot_wait_s"],
        lease_s=values["lease_s"],
        slot_reserve=int(values["slot_reserve"]),
        capacity_refresh_s=values["capacity_refresh_s"],
    )


def make_service(
    provider: VoiceProvider,
    coordinator: CloneCoordinator,
    db: CommittedDb,
    **overrides: float,
) -> CloneService:
    return CloneService(
        provider=provider,
        coordinator=coordinator,
        sessionmaker=db.sessionmaker,
        policy=policy(**overrides),
    )


def make_sweeper(
    provider: VoiceProvider, coordinator: CloneCoordinator, db: CommittedDb, stale_after_s: float
) -> CloneSweeper:
    return CloneSweeper(
        provider=provider,
        coordinator=coordinator,
        sessionmaker=db.sessionmaker,
        stale_after_s=stale_after_s,
    )
