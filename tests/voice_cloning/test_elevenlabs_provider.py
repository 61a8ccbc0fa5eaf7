"""The ElevenLabs adapter through the official SDK against the emulator on a loopback socket."""

from __future__ import annotations

import numpy as np
import pytest

from newvisions.voice_cloning.exceptions import (
    ProviderQuotaExceeded,
    VoiceLimitReached,
    VoiceProviderUnavailable,
)
from newvisions.voice_cloning.providers.base import SpeechRequest
from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
from newvisions.voice_cloning.providers.elevenlabs_emulator import (
    ElevenLabsEmulator,
    Fault,
    StoredVoice,
)
from tests.voice_cloning.conftest import (
    EmulatorServer,
    LogEvents,
    load_sample,
    make_elevenlabs,
)

REQUEST = SpeechRequest(
    text="I dreamt of the queen of clubs last night.",
    language="en",
    speaker_sex="female",
    stability=50,
    similarity=75,
)


async def test_create_speak_delete_through_the_sdk(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    sample = await load_sample(None)  # type: ignore[arg-type]
    voice_id = await elevenlabs.create_voice("nv-one", sample)
    add = emulator.calls[-1]
    assert add.info["name"] == "nv-one"
    assert add.info["form_keys"] == ["description", "files", "labels", "name"]
    assert emulator.voices[voice_id].labels == {"managed_by": "newvisions"}
    assert [v.name for v in await elevenlabs.list_voices("nv-")] == ["nv-one"]

    speech = await elevenlabs.synthesize(voice_id, REQUEST)
    tts = emulator.calls[-1]
    assert tts.info["output_format"] == "pcm_24000"
    assert tts.info["model_id"] == "eleven_flash_v2_5"
    assert tts.info["language_code"] == "en"
    assert tts.info["voice_settings"] == {
        "stability": 0.5,
        "similarity_boost": 0.75,
        "style": 0.0,
        "use_speaker_boost": True,
    }
    assert speech.sample_rate == 24_000
    assert speech.samples.dtype == np.float32
    assert speech.duration_s == pytest.approx(len(REQUEST.text) * 0.065, abs=0.1)
    assert 0.05 < float(np.max(np.abs(speech.samples))) <= 1.0

    assert (await elevenlabs.capacity()).used == 1
    await elevenlabs.delete_voice(voice_id)
    await elevenlabs.delete_voice(voice_id)  # already gone: not an error
    assert emulator.live_cloned == 0
    capacity = await elevenlabs.capacity()
    assert (capacity.limit, capacity.used) == (10, 0)


async def test_language_code_is_left_out_for_models_without_it(
    emulator: ElevenLabsEmulator, emulator_server: EmulatorServer
) -> None:
    provider = make_elevenlabs(emulator_server.url, model_id="eleven_multilingual_v2")
    try:
        await provider.synthesize("21m00Tcm4TlvDq8ikWAM", REQUEST)
    finally:
        await provider.aclose()
    assert emulator.calls[-1].info["language_code"] is None
    assert emulator.calls[-1].info["model_id"] == "eleven_multilingual_v2"


async def test_a_failed_create_is_retried_with_every_form_field(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    emulator.inject("voices.add", Fault(status=503, nth=[1]))
    await elevenlabs.create_voice("nv-retry", await load_sample(None))  # type: ignore[arg-type]
    adds = [c for c in emulator.calls if c.endpoint == "voices.add"]
    assert [c.status for c in adds] == [503, 200]
    # The SDK's own retry would have dropped the form fields; ours sends them all again.
    assert adds[1].info["form_keys"] == ["description", "files", "labels", "name"]
    assert emulator.voices_created == 1


async def test_a_create_that_worked_before_failing_is_not_duplicated(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    emulator.inject("voices.add", Fault(status=500, nth=[1], apply_then_fail=True))
    voice_id = await elevenlabs.create_voice("nv-once", await load_sample(None))  # type: ignore[arg-type]
    assert emulator.voices_created == 1
    assert emulator.call_counts["voices.add"] == 1, "found by name instead of created again"
    assert [v.voice_id for v in emulator.cloned_voices()] == [voice_id]


async def test_create_gives_up_after_bounded_retries(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    emulator.inject("voices.add", Fault(status=503, always=True))
    with pytest.raises(VoiceProviderUnavailable):
        await elevenlabs.create_voice("nv-never", await load_sample(None))  # type: ignore[arg-type]
    assert emulator.call_counts["voices.add"] == 3  # one attempt plus busy_retries=2
    assert emulator.live_cloned == 0


async def test_a_hanging_create_times_out(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    emulator.inject("voices.add", Fault(status=503, hang_s=30, always=True))
    with pytest.raises(VoiceProviderUnavailable, match="too long"):
        await elevenlabs.create_voice("nv-slow", await load_sample(None))  # type: ignore[arg-type]
    assert emulator.call_counts["voices.add"] == 3
    assert emulator.call_counts["voices.search"] == 3, "looked up after every timeout"


async def test_a_create_that_finished_after_its_timeout_is_adopted(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    # The first attempt hangs; the server still creates the voice once the client gave up.
    emulator.inject("voices.add", Fault(status=None, hang_s=30, always=True))
    voice_id = await elevenlabs.create_voice("nv-late", await load_sample(None))  # type: ignore[arg-type]
    assert voice_id in emulator.voices
    assert emulator.voices[voice_id].name == "nv-late"


@pytest.mark.parametrize(
    ("endpoint", "vendor_status", "http_status", "error"),
    [
        ("tts", "quota_exceeded", 401, ProviderQuotaExceeded),
        ("voices.add", "voice_limit_reached", 400, VoiceLimitReached),
        ("tts", "system_busy", 429, VoiceProviderUnavailable),
    ],
)
async def test_vendor_errors_become_our_errors(
    elevenlabs: ElevenLabsVoiceProvider,
    emulator: ElevenLabsEmulator,
    endpoint: str,
    vendor_status: str,
    http_status: int,
    error: type[Exception],
) -> None:
    emulator.inject(endpoint, Fault(status=http_status, vendor_status=vendor_status, always=True))
    with pytest.raises(error):
        if endpoint == "tts":
            await elevenlabs.synthesize("21m00Tcm4TlvDq8ikWAM", REQUEST)
        else:
            await elevenlabs.create_voice("nv-x", await load_sample(None))  # type: ignore[arg-type]
    # Busy answers are retried (bounded); refusals are not.
    expected_calls = 3 if http_status == 429 else 1
    assert emulator.call_counts[endpoint] == expected_calls


async def test_busy_then_free_succeeds(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    emulator.inject(
        "user.subscription",
        Fault(status=429, vendor_status="too_many_concurrent_requests", nth=[1, 2]),
    )
    assert (await elevenlabs.capacity()).limit == 10
    assert emulator.call_counts["user.subscription"] == 3


async def test_a_wrong_key_is_logged_as_an_error_and_answered_503(
    emulator: ElevenLabsEmulator, emulator_server: EmulatorServer, log_events: LogEvents
) -> None:
    provider = make_elevenlabs(emulator_server.url, api_key="wrong")
    try:
        with pytest.raises(VoiceProviderUnavailable) as caught:
            await provider.capacity()
    finally:
        await provider.aclose()
    assert caught.value.status_code == 503
    (logged,) = log_events("voice_provider.invalid_api_key")
    assert logged["level"] == "error" and logged["http_status"] == 401


async def test_synthesis_stalling_mid_stream_times_out(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    emulator.config.chunk_size = 1024
    emulator.inject("tts", Fault(status=None, stall_after_bytes=2048, always=True))
    try:
        with pytest.raises(VoiceProviderUnavailable, match="too long"):
            await elevenlabs.synthesize("21m00Tcm4TlvDq8ikWAM", REQUEST)
    finally:
        emulator.config.chunk_size = 4096
    assert emulator.call_counts["tts"] == 1, "a timed-out synthesis is not repeated"


async def test_list_voices_pages_and_filters_by_prefix(
    elevenlabs: ElevenLabsVoiceProvider, emulator: ElevenLabsEmulator
) -> None:
    for n in range(130):
        emulator.voices[f"id{n}"] = StoredVoice(f"id{n}", f"nv-{n}", "cloned", None, {}, n, [])
    # A text search would also match these: the adapter filters by prefix itself.
    emulator.voices["x1"] = StoredVoice("x1", "my nv-voice", "cloned", None, {}, 1, [])
    emulator.voices["x2"] = StoredVoice("x2", "other", "cloned", "nv-like", {}, 1, [])
    names = {v.name for v in await elevenlabs.list_voices("nv-")}
    assert names == {f"nv-{n}" for n in range(130)}
    assert emulator.call_counts["voices.search"] == 2
