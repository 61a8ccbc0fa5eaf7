"""Hostile uploads over HTTP: each is refused with its own 4xx code, stores nothing, and the
worst of them (8 channels at 384 kHz) decodes in bounded memory. bench/hostile_audio.py sends
the same corpus to a real server and reports its peak RSS."""

from __future__ import annotations

import tracemalloc

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.voice_cloning.recording.service import RecordingIntake
from tests.factories import register_and_login
from tests.voice_cloning.recording.audio_fixtures import Samples
from tests.voice_cloning.recording.conftest import FakeAnalyser
from tests.voice_cloning.recording.hostile_corpus import Hostile, hostile_corpus

URL = "/api/voice/recording"
# Traced (Python and numpy) memory of one upload: 60 s at 44.1 kHz and at 16 kHz of float32
# is ~15 MB, plus the upload itself; decoding everything 8 channels at 384 kHz hold would
# be ~1 GB.
TRACED_PEAK_LIMIT = 80_000_000


@pytest.fixture(scope="module")
def corpus(speech: Samples) -> list[Hostile]:
    return [item for item in hostile_corpus(speech) if not item.covered]


async def test_every_hostile_upload_gets_its_own_refusal(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    corpus: list[Hostile],
) -> None:
    me = await register_and_login(client, session)
    wrong = []
    for item in corpus:
        tracemalloc.start()
        try:
            response = await client.post(
                URL, headers=me.headers, files={"file": (item.filename, item.data, item.mime)}
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        code = response.json().get("error")
        if response.status_code != item.status or code not in item.codes:
            wrong.append((item.name, response.status_code, code))
        assert peak < len(item.data) + TRACED_PEAK_LIMIT, (item.name, peak)
    assert wrong == []
    assert (await client.get(URL, headers=me.headers)).status_code == 404
    assert analyser.calls == []
    assert not (intake.storage.root / me.user_id.replace("-", "")).exists()
