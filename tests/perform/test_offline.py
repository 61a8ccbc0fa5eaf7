"""The trick with no key and no network: offline note, offline voice engine, memo."""

from __future__ import annotations

import asyncio
import functools
import io

import av
import numpy as np
import pytest

from newvisions.voice_cloning.transcription import get_english_transcriber, mentions
from tests.perform.conftest import Live, LiveFactory
from tests.perform.test_perform import ROUTINE_VALUES, _decode, _perform


@pytest.fixture
async def live(live_app: LiveFactory) -> Live:
    return await live_app(voice_provider="offline")


async def _analysed(live: Live, headers: dict[str, str]) -> None:
    """Wait for the upload's analysis (the engine's first use loads its models)."""
    for _ in range(600):
        body = (await live.client.get("/api/voice/recording", headers=headers)).json()
        if body["analysis"]["status"] in ("ready", "failed"):
            assert body["analysis"]["status"] == "ready", body["analysis"]
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the analysis did not finish in 300 s")


def _samples(data: bytes) -> tuple[np.ndarray, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16_000)
        chunks = [
            frame.to_ndarray().reshape(-1)
            for decoded in container.decode(stream)
            for frame in resampler.resample(decoded)
        ]
    return np.concatenate(chunks).astype(np.float32), 16_000


@pytest.mark.parametrize("language", ["en", "es"])
async def test_every_routine_offline(live: Live, good_webm: bytes, language: str) -> None:
    user = await live.performer(good_webm)
    await _analysed(live, user.headers)
    await live.client.patch(
        "/api/users/me/settings", json={"voice_language": language}, headers=user.headers
    )
    for routine, value in ROUTINE_VALUES.items():
        response = await _perform(live.client, user, routine, value)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["voice_source"] == "offline" and body["text_source"] == "offline"
        audio = await live.client.get(body["audio"]["url"])
        duration, tags, codec = _decode(audio.content)
        assert codec == "aac" and tags.get("title") == body["audio"]["title"]
        assert duration == pytest.approx(body["audio"]["duration_s"], abs=0.1)
        # Room tone around a spoken note of ~100 characters: several seconds, not silence.
        assert 3.0 < duration < 20.0


async def test_an_english_memo_says_the_card(live: Live, good_webm: bytes) -> None:
    user = await live.performer(good_webm)
    await _analysed(live, user.headers)
    body = (await _perform(live.client, user, "cards", "Q of Clubs")).json()
    assert body["spoken_value"] == "the queen of clubs"
    audio = await live.client.get(body["audio"]["url"])
    samples, rate = _samples(audio.content)
    # The spectator knows a card was chosen, so does the listening model (tiny.en, the only
    # offline one: without the topic it once heard "queen of clouds"). All four suits are
    # named, so the context cannot pick the answer for it.
    transcript = await asyncio.to_thread(
        functools.partial(
            get_english_transcriber().transcribe,
            samples,
            rate,
            context="A dream about a playing card: hearts, diamonds, clubs or spades.",
        )
    )
    assert mentions(transcript, "queen of clubs"), transcript
