"""After the upload: analysis outcomes, the clone loader, file sweeping and account deletion."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.app import create_app
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Environment, Settings
from newvisions.models import AnalysisStatus, User, VoiceRecording
from newvisions.voice_cloning.exceptions import VoiceRecordingMissing
from newvisions.voice_cloning.recording import tasks
from newvisions.voice_cloning.recording.service import (
    RecordingIntake,
    load_voice_sample,
    sample_loader,
    transaction_scope,
)
from tests.conftest import _migrate
from tests.factories import create_code, register_and_login
from tests.voice_cloning.recording.audio_fixtures import Samples, encode
from tests.voice_cloning.recording.conftest import RATE, FakeAnalyser, seconds, session_scope_of

URL = "/api/voice/recording"


async def _make_user(session: AsyncSession) -> User:
    name = f"u{uuid.uuid4().hex[:12]}"
    user = User(username=name, username_key=name, email=f"{name}@example.com", password_hash="x")
    session.add(user)
    await session.flush()
    return user


def _age(path: Path, seconds_ago: float) -> None:
    then = time.time() - seconds_ago
    os.utime(path, (then, then))


async def test_loader_hands_the_stored_flac_and_profile_to_the_clone_workflow(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    settings: Settings,
    good_webm: bytes,
) -> None:
    me = await register_and_login(client, session)
    user_id = uuid.UUID(me.user_id)
    assert await load_voice_sample(session, user_id, data_dir=settings.data_dir) is None
    assert (
        await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    ).status_code == 201

    sample = await load_voice_sample(session, user_id, data_dir=settings.data_dir)
    assert sample is not None
    assert sample.mime_type == "audio/flac"
    assert sample.audio[:4] == b"fLaC"
    assert sample.profile is not None
    assert sample.profile.base_voices["en"].voice_key == "piper-joe"
    path = intake.storage.root / me.user_id.replace("-", "")
    (stored,) = path.iterdir()
    assert stored.read_bytes() == sample.audio
    assert stored.stat().st_mode & 0o777 == 0o600
    with av.open(str(stored)) as container:
        assert container.streams.audio[0].codec_context.channels == 1
        assert container.streams.audio[0].codec_context.sample_rate == 44_100

    stored.unlink()  # the file vanished from disk: no sample rather than a broken one
    assert await load_voice_sample(session, user_id, data_dir=settings.data_dir) is None


async def test_sample_loader_for_the_clone_workflow(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, good_webm: bytes
) -> None:
    me = await register_and_login(client, session)
    load = sample_loader(intake)
    with pytest.raises(VoiceRecordingMissing):
        await load(uuid.UUID(me.user_id))
    await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    sample = await load(uuid.UUID(me.user_id))
    assert sample.audio[:4] == b"fLaC"
    assert sample.profile is not None


async def test_loader_gives_no_profile_until_the_analysis_is_ready(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    settings: Settings,
    good_webm: bytes,
) -> None:
    intake.analyser = None
    me = await register_and_login(client, session)
    await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    sample = await load_voice_sample(session, uuid.UUID(me.user_id), data_dir=settings.data_dir)
    assert sample is not None
    assert sample.profile is None


async def test_stale_result_never_lands_on_a_replaced_recording(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    good_webm: bytes,
) -> None:
    intake.analyser = None
    me = await register_and_login(client, session)
    await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    row = (
        await session.execute(
            select(VoiceRecording).where(VoiceRecording.user_id == uuid.UUID(me.user_id))
        )
    ).scalar_one()
    intake.analyser = analyser
    outcome = await tasks.analyse(intake, row.user_id, row.id, "0" * 64)  # old audio
    assert outcome is None
    assert analyser.calls == []
    assert row.analysis_status == AnalysisStatus.pending
    assert await tasks.analyse(intake, row.user_id, row.id, row.source_sha256) == (
        AnalysisStatus.ready
    )


async def test_pending_analyses_left_behind_are_resumed(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    good_webm: bytes,
) -> None:
    intake.analyser = None  # as if the process stopped before the analysis ran
    me = await register_and_login(client, session)
    await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    row = (
        await session.execute(
            select(VoiceRecording).where(VoiceRecording.user_id == uuid.UUID(me.user_id))
        )
    ).scalar_one()
    intake.analyser = analyser
    assert await tasks.resume_stale_analyses(intake) == 0  # too recent: its own task may run
    row.uploaded_at = datetime.now(UTC) - timedelta(hours=1)
    await session.flush()
    assert await tasks.resume_stale_analyses(intake) >= 1
    assert row.analysis_status == AnalysisStatus.ready


async def test_a_rolled_back_account_deletion_keeps_the_recording(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    good_webm: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newvisions.users.repository import UserRepository

    me = await register_and_login(client, session)
    await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    user_dir = intake.storage.root / me.user_id.replace("-", "")

    async def failing_delete(*_args: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(UserRepository, "delete", failing_delete)
    deleted = await client.request(
        "DELETE", "/api/users/me", headers=me.headers, json={"password": me.password}
    )
    assert deleted.status_code == 500
    monkeypatch.undo()
    assert (await client.get(URL, headers=me.headers)).status_code == 200
    assert (await client.get(URL, headers=me.headers)).status_code == 200
    assert len(list(user_dir.iterdir())) == 1  # later commits do not remove it either


async def test_sweeper_removes_unnamed_files_and_files_of_deleted_accounts(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    own_settings = settings.model_copy(update={"data_dir": tmp_path})
    intake = RecordingIntake(own_settings, session_scope_of(session))
    storage = intake.storage
    user = await _make_user(session)
    current = storage.file_name_for(user.id, uuid.uuid4())
    storage.write(current, b"current")
    session.add(
        VoiceRecording(
            user_id=user.id,
            file_name=current,
            mime_type="audio/flac",
            sample_rate=44_100,
            stored_bytes=7,
            source_sha256="a" * 64,
            source_format="wav",
            source_codec="pcm_s16le",
            source_bytes=7,
            duration_s=40.0,
            quality={},
        )
    )
    await session.flush()
    old_orphan = storage.file_name_for(user.id, uuid.uuid4())
    fresh_orphan = storage.file_name_for(user.id, uuid.uuid4())
    storage.write(old_orphan, b"replaced, removal failed")
    storage.write(fresh_orphan, b"upload about to commit")
    _age(storage.path(current), 10 * 3600)
    _age(storage.path(old_orphan), 2 * 3600)
    gone_user = uuid.uuid4()
    for _ in range(2):
        storage.write(storage.file_name_for(gone_user, uuid.uuid4()), b"deleted account")
    (storage.root / "not-a-user").mkdir()

    report = await tasks.sweep_files(intake)

    assert report == tasks.SweepReport(removed_of_deleted_accounts=2, removed_orphans=1)
    assert storage.path(current).exists()
    assert storage.path(fresh_orphan).exists()
    assert not storage.path(old_orphan).exists()
    assert not (storage.root / gone_user.hex).exists()
    assert (storage.root / "not-a-user").exists()


async def test_account_deletion_removes_the_row_and_then_the_files(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, good_webm: bytes
) -> None:
    me = await register_and_login(client, session)
    await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    user_dir = intake.storage.root / me.user_id.replace("-", "")
    assert user_dir.exists()

    deleted = await client.request(
        "DELETE", "/api/users/me", headers=me.headers, json={"password": me.password}
    )
    assert deleted.status_code == 204
    rows = await session.scalar(
        select(func.count())
        .select_from(VoiceRecording)
        .where(VoiceRecording.user_id == uuid.UUID(me.user_id))
    )
    assert rows == 0
    assert not user_dir.exists()  # removed once the deletion committed


@pytest.fixture
async def committed_app(settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An app on its own SQLite file, with real commits (for concurrent requests)."""
    own = Settings(
        environment=Environment.test,
        data_dir=tmp_path,
        database_url="",
        jwt_secret=SecretStr("test-secret-" + "y" * 40),
        log_json=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(own)
    await _migrate(engine)
    app = create_app(own, engine=engine)
    app.state.voice_recordings.analyser = FakeAnalyser()
    yield app, create_sessionmaker(engine)
    await engine.dispose()


async def test_concurrent_uploads_leave_one_recording_and_one_file(
    committed_app,  # type: ignore[no-untyped-def]
    speech: Samples,
) -> None:
    app, sessionmaker = committed_app
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        async with sessionmaker() as session:
            code = await create_code(session)
            await session.commit()
        account = {"username": "racer", "email": "racer@example.com", "password": "p" * 12}
        registered = await client.post(
            "/api/auth/register", json={**account, "activation_code": code}
        )
        assert registered.status_code == 201, registered.text
        user_hex = registered.json()["id"].replace("-", "")
        tokens = (
            await client.post(
                "/api/auth/login",
                json={"login": "racer", "password": account["password"], "device_name": "t"},
            )
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        first = encode(seconds(speech, 0, 35), RATE, "webm")
        second = encode(seconds(speech, 35, 75), RATE, "ogg")
        answers = await asyncio.gather(
            client.post(URL, headers=headers, files={"file": ("a", first)}),
            client.post(URL, headers=headers, files={"file": ("b", second)}),
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
        final = await client.get(URL, headers=headers)
        assert final.status_code == 200
        assert final.json()["analysis"]["status"] == "ready"
    async with sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(VoiceRecording))
        assert rows == 1
    intake: RecordingIntake = app.state.voice_recordings
    files = list((intake.storage.root / user_hex).iterdir())
    assert len(files) == 1


async def test_the_app_sweeps_at_start(settings: Settings, tmp_path: Path) -> None:
    own = Settings(
        environment=Environment.test,
        data_dir=tmp_path,
        database_url="",
        jwt_secret=SecretStr("test-secret-" + "z" * 40),
        recording_sweep_interval_seconds=3600,
        log_json=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(own)
    await _migrate(engine)
    intake = RecordingIntake(own, transaction_scope(create_sessionmaker(engine)))
    stray = intake.storage.file_name_for(uuid.uuid4(), uuid.uuid4())
    intake.storage.write(stray, b"left by a deleted account")
    app = create_app(own, engine=engine)
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if not intake.storage.path(stray).exists():
                break
            await asyncio.sleep(0.05)
    assert not intake.storage.path(stray).exists()
    await engine.dispose()
