"""Configuration chooses the provider and the lease backend; the CLI sweeps and emulates."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from newvisions.app import create_app
from newvisions.cli import app as cli
from newvisions.config.settings import Settings, VoiceProviderName
from newvisions.models import CloneStatus, VoiceClone
from newvisions.models.base import utcnow
from newvisions.voice_cloning.coordination import InProcessCoordinator, RedisCoordinator
from newvisions.voice_cloning.dependencies import VoiceCloning, get_clone_service
from newvisions.voice_cloning.exceptions import VoiceProviderUnavailable
from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator, StoredVoice
from newvisions.voice_cloning.providers.offline import OfflineVoiceProvider
from tests.voice_cloning.conftest import API_KEY, CommittedDb, EmulatorServer

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_elevenlabs_without_a_key_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="NV_ELEVENLABS_API_KEY"):
        Settings(_env_file=None, data_dir=tmp_path, voice_provider="elevenlabs")  # type: ignore[call-arg]


async def test_the_provider_and_backend_come_from_configuration(
    settings: Settings, engine: AsyncEngine
) -> None:
    configured = settings.model_copy(
        update={
            "voice_provider": VoiceProviderName.elevenlabs,
            "elevenlabs_api_key": SecretStr(API_KEY),
            "elevenlabs_base_url": "http://127.0.0.1:9",
            "redis_url": "redis://127.0.0.1:6379/2",
        }
    )
    app = create_app(configured, engine=engine)
    voice: VoiceCloning = app.state.voice_cloning
    try:
        assert isinstance(voice.provider, ElevenLabsVoiceProvider)
        assert isinstance(voice.coordinator, RedisCoordinator)
        assert voice.clones is not None and voice.clones.provider is voice.provider
    finally:
        await voice.aclose()


async def test_the_offline_engine_is_the_default_provider(
    settings: Settings, engine: AsyncEngine
) -> None:
    offline = settings.model_copy(
        update={"voice_provider": VoiceProviderName.offline, "redis_url": None}
    )
    app: FastAPI = create_app(offline, engine=engine)
    voice: VoiceCloning = app.state.voice_cloning
    try:
        assert isinstance(voice.provider, OfflineVoiceProvider)
        assert isinstance(voice.coordinator, InProcessCoordinator)
        assert voice.clones is not None and voice.clones.provider is voice.provider
        assert (await voice.provider.capacity()).limit == offline.offline_voice_limit
    finally:
        await voice.aclose()


def test_without_a_provider_the_clone_service_answers_503() -> None:
    voice = VoiceCloning(None, InProcessCoordinator(), None, None, None)
    app = FastAPI()
    app.state.voice_cloning = voice

    class _Request:
        def __init__(self, app: FastAPI) -> None:
            self.app = app

    with pytest.raises(VoiceProviderUnavailable):
        get_clone_service(_Request(app))  # type: ignore[arg-type]


def test_the_emulator_command_is_available() -> None:
    result = CliRunner().invoke(cli, ["emulate", "elevenlabs", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--voice-limit" in result.output


async def test_newvisions_sweep_cleans_old_leftovers(
    emulator: ElevenLabsEmulator,
    emulator_server: EmulatorServer,
    committed_db: CommittedDb,
    tmp_path: Path,
) -> None:
    (user_id,) = await committed_db.make_users(1)
    clone_id = uuid.uuid4()
    emulator.voices["left"] = StoredVoice("left", f"nv-{clone_id}", "cloned", None, {}, 1, [])
    async with committed_db.sessionmaker() as session, session.begin():
        session.add(
            VoiceClone(
                id=clone_id,
                user_id=user_id,
                request_id="crashed",
                provider="elevenlabs",
                provider_voice_id="left",
                status=CloneStatus.active,
            )
        )
        await session.flush()
        await session.execute(
            update(VoiceClone)
            .where(VoiceClone.id == clone_id)
            .values(updated_at=utcnow().replace(year=2020))
        )
    env = {
        **os.environ,
        "NV_DATA_DIR": str(tmp_path),
        "NV_DATABASE_URL": committed_db.url,
        "NV_VOICE_PROVIDER": "elevenlabs",
        "NV_ELEVENLABS_API_KEY": API_KEY,
        "NV_ELEVENLABS_BASE_URL": emulator_server.url,
        "NV_LOG_LEVEL": "WARNING",
    }
    env.pop("NV_REDIS_URL", None)
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "newvisions"),
        "sweep",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()[-2000:]
    report = json.loads(stdout)
    assert report["rows_closed"] == 1 and report["voices_deleted"] == 1
    assert emulator.cloned_voices() == []
    (row,) = await committed_db.clones(user_id)
    assert row.status == CloneStatus.deleted
