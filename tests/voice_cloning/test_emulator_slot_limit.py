"""The emulator holds its slot limit under concurrent creates, as the vendor does: a sample
large enough to be spooled to disk makes each create wait while reading it, and every create
must still see the voices stored by the others."""

from __future__ import annotations

import asyncio

import httpx

from newvisions.voice_cloning.providers.elevenlabs_emulator import ElevenLabsEmulator
from tests.voice_cloning.conftest import API_KEY, EmulatorServer

LARGE_SAMPLE = b"\x00" * (2 * 1024 * 1024)  # above the 1 MB kept in memory by the form parser


async def test_concurrent_creates_never_exceed_the_limit(
    emulator: ElevenLabsEmulator, emulator_server: EmulatorServer
) -> None:
    emulator.config.voice_limit = 2
    async with httpx.AsyncClient(
        base_url=emulator_server.url, headers={"xi-api-key": API_KEY}, timeout=30
    ) as http:
        answers = await asyncio.gather(
            *(
                http.post(
                    "/v1/voices/add",
                    data={"name": f"nv-race-{n}", "labels": "null"},
                    files={"files": ("r.wav", LARGE_SAMPLE, "audio/wav")},
                )
                for n in range(8)
            )
        )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 200] + [400] * 6
    refused = [a.json()["detail"]["status"] for a in answers if a.status_code == 400]
    assert set(refused) == {"voice_limit_reached"}
    assert emulator.live_cloned == 2
    assert emulator.peak_live_cloned == 2
