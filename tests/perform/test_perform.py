"""The end-to-end trick through the API, with the ElevenLabs emulator behind the official SDK."""

from __future__ import annotations

import io
import uuid
from typing import Any

import av
import pytest
from httpx import AsyncClient

from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator, Fault
from tests.factories import LoggedIn
from tests.perform.conftest import (
    EmulatorServer,
    Live,
    LiveFactory,
    RunningEmulator,
    elevenlabs_settings,
    gemini_settings,
)

ROUTINE_VALUES = {
    "cards": "Q of Clubs",
    "numbers": "37",
    "star-signs": "Scorpio",
    "names": "Lucía",
    "years": "1987",
    "movies": "Casablanca",
    "phobias": "spiders",
    "custom": "a red balloon",
}


@pytest.fixture
async def live(
    live_app: LiveFactory, emulator: ElevenLabsEmulator, emulator_server: EmulatorServer
) -> Live:
    return await live_app(**elevenlabs_settings(emulator_server))


async def _perform(
    client: AsyncClient, user: LoggedIn, routine: str, value: str, **extra: Any
) -> Any:
    headers = {**user.headers, **extra.pop("headers", {})}
    return await client.post(
        "/api/perform", json={"routine": routine, "value": value, **extra}, headers=headers
    )


def _decode(data: bytes) -> tuple[float, dict[str, str], str]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        frames = sum(frame.samples for frame in container.decode(stream))
        return frames / stream.rate, dict(container.metadata), stream.codec_context.name


async def _usage(client: AsyncClient, user: LoggedIn) -> dict[str, Any]:
    response = await client.get("/api/usage", headers=user.headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("language", ["en", "es"])
async def test_every_routine_end_to_end(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes, language: str
) -> None:
    user = await live.performer(good_webm)
    settings = await live.client.patch(
        "/api/users/me/settings", json={"voice_language": language}, headers=user.headers
    )
    assert settings.status_code == 200
    charged = 0
    for routine, value in ROUTINE_VALUES.items():
        response = await _perform(live.client, user, routine, value)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["language"] == language and body["routine"] == routine
        assert body["spoken_value"].lower() in body["text"].lower()
        assert body["voice_source"] == "elevenlabs" and body["text_source"] == "offline"
        assert set(body["timings_ms"]) == {"text", "clone", "speech", "render", "total"}
        charged += -(-len(body["text"]) // 2)  # Flash bills half a character, rounded up
        assert body["usage"]["used"] == charged

        audio = await live.client.get(body["audio"]["url"])  # the signed link, no token
        assert audio.status_code == 200
        assert audio.headers["content-type"].startswith(body["audio"]["mime"])
        duration, tags, codec = _decode(audio.content)
        assert codec == "aac"
        assert duration == pytest.approx(body["audio"]["duration_s"], abs=0.1)
        assert tags.get("title") == body["audio"]["title"]

    # Three provider calls per perform (create, speak, delete); nothing left behind.
    counts = emulator.call_counts
    assert counts["voices.add"] == len(ROUTINE_VALUES)
    assert counts["tts"] == len(ROUTINE_VALUES)
    assert counts["voices.delete"] == len(ROUTINE_VALUES)
    assert emulator.live_cloned == 0


async def test_the_memo_list_shows_my_memos_only(live: Live, good_webm: bytes) -> None:
    alice = await live.performer(good_webm)
    bob = await live.performer(good_webm)
    made = (await _perform(live.client, alice, "cards", "AH")).json()
    mine = (await live.client.get("/api/performs", headers=alice.headers)).json()
    assert [m["perform_id"] for m in mine] == [made["perform_id"]]
    assert mine[0]["audio"]["id"] == made["audio"]["id"]
    assert (await live.client.get("/api/performs", headers=bob.headers)).json() == []
    stolen = await live.client.get(f"/api/audio/{made['audio']['id']}", headers=bob.headers)
    assert stolen.status_code == 404


async def test_inline_audio(live: Live, good_webm: bytes) -> None:
    user = await live.performer(good_webm)
    response = await live.client.post(
        "/api/perform?inline=1", json={"routine": "numbers", "value": "07"}, headers=user.headers
    )
    assert response.status_code == 200
    import base64

    data = base64.b64decode(response.json()["audio_base64"])
    duration, _, _ = _decode(data)
    assert duration == pytest.approx(response.json()["audio"]["duration_s"], abs=0.1)


async def test_idempotent_retry_returns_the_same_memo_without_charging_again(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes
) -> None:
    user = await live.performer(good_webm)
    key = {"Idempotency-Key": f"tap-{uuid.uuid4().hex}"}
    first = await _perform(live.client, user, "star-signs", "Leo", headers=key)
    assert first.status_code == 200
    again = await _perform(live.client, user, "star-signs", "Leo", headers=key)
    assert again.status_code == 200
    assert again.json()["perform_id"] == first.json()["perform_id"]
    assert again.json()["text"] == first.json()["text"]
    assert again.json()["replayed"] is True
    assert emulator.call_counts["voices.add"] == 1
    assert (await _usage(live.client, user))["used"] == first.json()["usage"]["used"]

    different = await _perform(live.client, user, "star-signs", "Virgo", headers=key)
    assert different.status_code == 422
    assert different.json()["error"] == "idempotency_key_reused"


async def test_no_recording_is_409_and_free(live: Live) -> None:
    user = await live.performer(None)
    response = await _perform(live.client, user, "cards", "AH")
    assert response.status_code == 409
    assert response.json()["error"] == "voice_recording_missing"
    assert (await _usage(live.client, user))["used"] == 0


async def test_over_quota_is_429_with_reset_date(live: Live, good_webm: bytes) -> None:
    user = await live.performer(good_webm)
    async with live.sessionmaker.begin() as session:
        from newvisions.models import User

        row = await session.get(User, uuid.UUID(user.user_id))
        assert row is not None
        row.monthly_char_limit = 30  # less than the longest note costs
    response = await _perform(live.client, user, "cards", "AH")
    assert response.status_code == 429
    assert response.json()["error"] == "quota_exceeded"
    assert "resets_at" in response.json()


@pytest.mark.parametrize("stage", ["text", "clone", "speech", "render"])
async def test_a_failure_at_any_stage_charges_nothing_and_leaves_no_voice(
    live: Live,
    emulator: ElevenLabsEmulator,
    good_webm: bytes,
    stage: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = await live.performer(good_webm)
    if stage == "text":
        from newvisions.content.exceptions import NoteUnavailable

        async def no_note(*_args: object, **_kwargs: object) -> None:
            raise NoteUnavailable()

        monkeypatch.setattr(live.app.state.note_writer, "write_note", no_note)
    elif stage == "clone":
        emulator.inject("voices.add", Fault(status=503, always=True))
    elif stage == "speech":
        emulator.inject("tts", Fault(status=500, always=True))
    else:
        from newvisions.audio import service as audio_service
        from newvisions.audio.exceptions import AudioRenderFailed

        async def broken(*_args: object, **_kwargs: object) -> None:
            raise AudioRenderFailed()

        monkeypatch.setattr(audio_service, "render_memo_for", broken)

    response = await _perform(live.client, user, "cards", "7D")
    assert response.status_code >= 400
    assert "request_id" in response.json()
    usage = await _usage(live.client, user)
    assert usage["used"] == 0 and usage["reserved"] == 0
    assert emulator.live_cloned == 0
    listed = await live.client.get("/api/performs", headers=user.headers)
    assert listed.json() == []


async def test_a_refused_value_creates_no_voice_and_reserves_nothing(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes
) -> None:
    user = await live.performer(good_webm)
    response = await _perform(live.client, user, "cards", "the joker of nothing")
    assert response.status_code == 422, response.text
    assert emulator.call_counts["voices.add"] == 0
    usage = await _usage(live.client, user)
    assert usage["used"] == 0 and usage["reserved"] == 0 and usage["recent"] == []


async def test_the_note_is_written_while_the_voice_is_being_created(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    user = await live.performer(good_webm)
    emulator.inject("voices.add", Fault(status=None, latency_s=0.3, always=True))
    writer = live.app.state.note_writer
    write_note = writer.write_note
    seen_creating: list[bool] = []

    async def note_once_the_voice_is_on_its_way(*args: Any, **kwargs: Any) -> Any:
        # Written one after the other, the voice would not be asked for until the note is done.
        for _ in range(500):
            if emulator.call_counts["voices.add"]:
                break
            await asyncio.sleep(0.01)
        seen_creating.append(emulator.live_cloned == 0 and emulator.call_counts["voices.add"] > 0)
        return await write_note(*args, **kwargs)

    monkeypatch.setattr(writer, "write_note", note_once_the_voice_is_on_its_way)
    response = await _perform(live.client, user, "cards", "Q of Clubs")
    assert response.status_code == 200, response.text
    assert seen_creating == [True]
    assert emulator.live_cloned == 0


async def test_a_failure_recording_the_result_charges_nothing_and_keeps_no_file(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newvisions.audio import service as audio_service

    user = await live.performer(good_webm)

    async def refused(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audio_service, "record_memo", refused)
    response = await _perform(live.client, user, "cards", "7D")
    assert response.status_code == 500
    usage = await _usage(live.client, user)
    assert usage["used"] == 0 and usage["reserved"] == 0
    assert emulator.live_cloned == 0
    memos = [p for p in live.settings.data_dir.rglob("*") if p.suffix in {".m4a", ".mp3"}]
    assert memos == []


async def test_fifty_concurrent_performs_near_the_limit_never_charge_past_it(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes
) -> None:
    import asyncio

    user = await live.performer(good_webm)
    limit = 200  # a few notes' worth at Flash's half-character price
    async with live.sessionmaker.begin() as session:
        from newvisions.models import User

        row = await session.get(User, uuid.UUID(user.user_id))
        assert row is not None
        row.monthly_char_limit = limit

    responses = await asyncio.gather(
        *(_perform(live.client, user, "numbers", f"{n:02d}") for n in range(50))
    )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 429, 503}, statuses
    succeeded = [r.json() for r in responses if r.status_code == 200]
    assert succeeded, "some performs fit in the quota"
    usage = await _usage(live.client, user)
    assert usage["used"] <= limit
    assert usage["reserved"] == 0
    assert usage["used"] == sum(-(-len(s["text"]) // 2) for s in succeeded)
    assert emulator.live_cloned == 0
    assert emulator.peak_live_cloned <= 1  # one performer: the per-user lock serialises clones


async def test_provider_down_is_a_clear_503_without_fallback(
    live: Live, emulator: ElevenLabsEmulator, good_webm: bytes
) -> None:
    user = await live.performer(good_webm)
    emulator.inject("voices.add", Fault(status=503, always=True))
    response = await _perform(live.client, user, "cards", "KS")
    assert response.status_code == 503
    assert response.json()["error"] == "voice_provider_unavailable"


async def test_offline_fallback_when_allowed_and_the_response_says_so(
    live_app: LiveFactory,
    emulator: ElevenLabsEmulator,
    emulator_server: EmulatorServer,
    good_webm: bytes,
) -> None:
    live = await live_app(**elevenlabs_settings(emulator_server), voice_offline_fallback=True)
    user = await live.performer(good_webm)
    emulator.inject("voices.add", Fault(status=503, always=True))
    response = await _perform(live.client, user, "cards", "KS")
    assert response.status_code == 200, response.text
    assert response.json()["voice_source"] == "offline"
    assert emulator.live_cloned == 0


@pytest.mark.parametrize("language", ["en", "es"])
async def test_through_the_elevenlabs_and_gemini_emulators(
    live_app: LiveFactory,
    emulator: ElevenLabsEmulator,
    emulator_server: EmulatorServer,
    running_emulator: RunningEmulator,
    good_webm: bytes,
    language: str,
) -> None:
    running_emulator.emulator.reset()
    live = await live_app(
        **elevenlabs_settings(emulator_server), **gemini_settings(running_emulator)
    )
    user = await live.performer(good_webm)
    await live.client.patch(
        "/api/users/me/settings", json={"voice_language": language}, headers=user.headers
    )
    for routine in ("cards", "star-signs"):
        value = ROUTINE_VALUES[routine]
        response = await _perform(live.client, user, routine, value)
        assert response.status_code == 200, response.text
        body = response.json()
        # Gemini's note when it passed every check, the composer's otherwise: never unchecked.
        assert body["text_source"] in ("gemini", "offline")
        assert body["spoken_value"].lower() in body["text"].lower()
        assert body["voice_source"] == "elevenlabs"
    assert running_emulator.emulator.requests, "Gemini was asked for the notes"
    assert emulator.call_counts["voices.add"] == 2
