"""The HTTP side: both upload forms, limits, metadata, deletion, ownership, analysis status."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.voice_cloning.recording.service import RecordingIntake
from tests.factories import register_and_login
from tests.voice_cloning.recording.conftest import RATE, FakeAnalyser

URL = "/api/voice/recording"


async def test_multipart_upload_is_stored_and_analysed(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    good_webm: bytes,
) -> None:
    me = await register_and_login(client, session)
    response = await client.post(
        URL, headers=me.headers, files={"file": ("voice.webm", good_webm, "audio/webm")}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["source_format"] == "webm"
    assert body["source_codec"] == "opus"
    assert 39.9 < body["duration_s"] < 40.1
    assert body["stored_format"] == "flac"
    assert body["quality"]["speech_ratio"] > 0.9
    assert body["analysis"]["status"] == "pending"
    assert analyser.calls == [(40 * RATE, RATE)]

    fetched = await client.get(URL, headers=me.headers)
    assert fetched.status_code == 200
    analysis = fetched.json()["analysis"]
    assert analysis["status"] == "ready"
    assert analysis["summary"]["f0_median_hz"] == 118.0
    assert analysis["summary"]["base_voices"]["en"]["voice_key"] == "piper-joe"
    assert analysis["started_at"] is not None and analysis["finished_at"] is not None
    assert "speaker_embedding" not in fetched.text
