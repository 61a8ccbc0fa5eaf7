"""The emulator keeps the vendor's contract (checked with the SDK's own models, strictly,
since the SDK does not validate responses) and does what tests ask of it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import av
import httpx
import pytest
from elevenlabs import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.types import (
    AddVoiceIvcResponseModel,
    DeleteVoiceResponseModel,
    GetVoicesV2Response,
    Subscription,
    Voice,
)

from newvisions.voice_cloning.providers.elevenlabs_emulator import (
    OUTPUT_FORMATS,
    ElevenLabsEmulator,
    render_audio,
)
from tests.voice_cloning.conftest import API_KEY, RECORDING, EmulatorServer

NO_RETRIES = {"max_retries": 0}


@pytest.fixture
async def http(
    emulator: ElevenLabsEmulator, emulator_server: EmulatorServer
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=emulator_server.url, headers={"xi-api-key": API_KEY}
    ) as client:
        yield client


@pytest.fixture
def sdk(emulator_server: EmulatorServer) -> AsyncElevenLabs:
    return AsyncElevenLabs(api_key=API_KEY, base_url=emulator_server.url, timeout=5)


async def _add(http: httpx.AsyncClient, name: str) -> httpx.Response:
    return await http.post(
        "/v1/voices/add",
        data={"name": name, "labels": "null"},
        files={"files": ("r.mp3", RECORDING, "audio/mpeg")},
    )


async def test_json_bodies_validate_strictly_against_the_sdk_models(
    http: httpx.AsyncClient,
) -> None:
    added = await _add(http, "nv-contract")
    AddVoiceIvcResponseModel.model_validate(added.json(), strict=True)
    voice_id = added.json()["voice_id"]
    Voice.model_validate((await http.get(f"/v1/voices/{voice_id}")).json())
    Subscription.model_validate((await http.get("/v1/user/subscription")).json())
    GetVoicesV2Response.model_validate((await http.get("/v2/voices")).json())
    DeleteVoiceResponseModel.model_validate((await http.delete(f"/v1/voices/{voice_id}")).json())


async def test_the_slot_limit_answers_like_the_vendor(
    sdk: AsyncElevenLabs, emulator: ElevenLabsEmulator
) -> None:
    emulator.config.voice_limit = 2
    for n in range(2):
        await sdk.voices.ivc.create(
            name=f"nv-{n}", files=[("r.mp3", RECORDING)], request_options=NO_RETRIES
        )
    with pytest.raises(ApiError) as refused:
        await sdk.voices.ivc.create(
            name="nv-3", files=[("r.mp3", RECORDING)], request_options=NO_RETRIES
        )
    assert refused.value.status_code == 400
    assert refused.value.body["detail"]["status"] == "voice_limit_reached"
    plan = await sdk.user.subscription.get()
    assert (plan.voice_limit, plan.voice_slots_used) == (2, 2)
    assert emulator.peak_live_cloned == 2


async def test_a_wrong_key_is_refused(emulator_server: EmulatorServer) -> None:
    sdk = AsyncElevenLabs(api_key="nope", base_url=emulator_server.url)
    with pytest.raises(ApiError) as refused:
        await sdk.user.subscription.get(request_options=NO_RETRIES)
    assert refused.value.status_code == 401
    assert refused.value.body["detail"]["status"] == "invalid_api_key"


async def test_faults_by_call_number_fraction_and_count_over_the_control_plane(
    http: httpx.AsyncClient, emulator: ElevenLabsEmulator
) -> None:
    set_fault = await http.post("/_emulator/faults/user.subscription", json={"nth": [2, 4]})
    assert set_fault.status_code == 200
    codes = [(await http.get("/v1/user/subscription")).status_code for _ in range(5)]
    assert codes == [200, 503, 200, 503, 200]

    await http.delete("/_emulator/faults")
    await http.post("/_emulator/faults/voices.search", json={"rate": 0.5, "status": 500})
    pattern = [(await http.get("/v2/voices")).status_code for _ in range(40)]
    assert 5 < pattern.count(500) < 35, "about half fail"

    await http.delete("/_emulator/faults")
    await http.post("/_emulator/faults/voices.get", json={"always": True, "times": 2})
    codes = [(await http.get("/v1/voices/21m00Tcm4TlvDq8ikWAM")).status_code for _ in range(3)]
    assert codes == [503, 503, 200]

    unknown = await http.post("/_emulator/faults/nowhere", json={})
    assert unknown.status_code == 400

    state = (await http.get("/_emulator/state")).json()
    assert state["call_counts"]["user.subscription"] == 5
    assert sum(1 for c in state["calls"] if c["faulted"]) == 4 + pattern.count(500)


async def test_the_seeded_fraction_repeats_after_a_reset(
    http: httpx.AsyncClient,
) -> None:
    async def run() -> list[int]:
        await http.post("/_emulator/reset")
        await http.post("/_emulator/faults/voices.search", json={"rate": 0.3, "status": 500})
        return [(await http.get("/v2/voices")).status_code for _ in range(20)]

    assert await run() == await run()


async def test_the_call_record_tells_what_was_sent(
    sdk: AsyncElevenLabs, emulator: ElevenLabsEmulator
) -> None:
    created = await sdk.voices.ivc.create(
        name="nv-record", files=[("r.mp3", RECORDING, "audio/mpeg")], request_options=NO_RETRIES
    )
    audio = b"".join(
        [
            chunk
            async for chunk in sdk.text_to_speech.convert(
                created.voice_id, text="hello there", output_format="mp3_22050_32"
            )
        ]
    )
    add, tts = emulator.calls
    assert (add.endpoint, add.status, add.voice_id) == ("voices.add", 200, created.voice_id)
    assert tts.info["text"] == "hello there" and tts.info["cost"] == 11
    with av.open(io.BytesIO(audio)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3")
        assert stream.rate == 22050


@pytest.mark.parametrize("output_format", sorted(OUTPUT_FORMATS))
def test_every_output_format_renders_decodable_audio(output_format: str) -> None:
    audio, media_type = render_audio("one two three", output_format)
    if output_format.startswith("pcm_"):
        assert media_type == "audio/pcm"
        assert len(audio) == 2 * int(output_format.split("_")[1]) * 0.8  # 0.8 s of s16
        return
    container_format = {"ulaw": "mulaw", "alaw": "alaw"}.get(output_format.split("_")[0])
    options = {"sample_rate": "8000"} if container_format else {}
    with av.open(io.BytesIO(audio), format=container_format, options=options) as container:
        frames = list(container.decode(audio=0))
    assert sum(frame.samples for frame in frames) > 0
