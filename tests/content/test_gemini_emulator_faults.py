"""Random faults of the Gemini emulator: seeded rates, set in process or over its control plane,
served to the official SDK like queued ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from newvisions.content.exceptions import ThoughtProviderUnavailable
from newvisions.content.providers.gemini_emulator import Fault, GeminiEmulator
from tests.content.conftest import RunningEmulator
from tests.content.test_gemini import make_provider, request_for

BODY = {"contents": [{"parts": [{"text": 'Value: "the Queen of Hearts"'}]}]}
PATH = "/v1beta/models/gemini-emulated:generateContent"


@pytest.fixture
async def control() -> AsyncIterator[tuple[GeminiEmulator, AsyncClient]]:
    emulator = GeminiEmulator(hang_s=0.01)
    async with AsyncClient(transport=ASGITransport(app=emulator.app), base_url="http://e") as c:
        yield emulator, c


async def _served(client: AsyncClient, n: int) -> list[int]:
    return [(await client.post(PATH, json=BODY)).status_code for _ in range(n)]


async def test_rates_are_served_at_about_their_fraction(
    control: tuple[GeminiEmulator, AsyncClient],
) -> None:
    emulator, client = control
    answer = await client.post(
        "/emulator/faults/random", json={"rates": {"http_503": 0.2, "hang": 0.1}, "seed": 3}
    )
    assert answer.status_code == 200
    assert answer.json() == {"rates": {"http_503": 0.2, "hang": 0.1}}
    statuses = await _served(client, 400)
    faults = Counter(r.fault for r in emulator.requests)
    assert 50 <= faults[Fault.http_503] <= 110 and 20 <= faults[Fault.hang] <= 65
    assert faults[Fault.ok] == 400 - faults[Fault.http_503] - faults[Fault.hang]
    assert statuses.count(503) == faults[Fault.http_503]


async def test_the_same_seed_gives_the_same_faults() -> None:
    draws = []
    for _ in range(2):
        emulator = GeminiEmulator()
        emulator.set_rates({"http_500": 0.3, "empty": 0.3}, seed=11)
        async with AsyncClient(
            transport=ASGITransport(app=emulator.app), base_url="http://e"
        ) as client:
            await _served(client, 50)
        draws.append([r.fault for r in emulator.requests])
    assert draws[0] == draws[1]
    assert len(set(draws[0])) == 3


async def test_queued_faults_come_first_and_reset_clears_rates(
    control: tuple[GeminiEmulator, AsyncClient],
) -> None:
    emulator, client = control
    emulator.set_rates({"http_429": 1.0})
    emulator.queue("ok", "http_500")
    assert await _served(client, 3) == [200, 500, 429]
    await client.post("/emulator/reset")
    assert await _served(client, 2) == [200, 200]


@pytest.mark.parametrize(
    "payload",
    [
        {"rates": {"http_503": 0.7, "hang": 0.5}},  # more than every request
        {"rates": {"http_503": -0.1}},
        {"rates": {"no_such_fault": 0.1}},
        {"rates": ["http_503"]},
        {},
    ],
)
async def test_bad_rates_are_refused(
    control: tuple[GeminiEmulator, AsyncClient], payload: dict[str, object]
) -> None:
    emulator, client = control
    emulator.set_rates({"http_503": 0.5}, seed=1)
    answer = await client.post("/emulator/faults/random", json=payload)
    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert emulator._rates == {Fault.http_503: 0.5}  # the previous rates stay


async def test_the_sdk_sees_random_faults_as_outages(
    running_emulator: RunningEmulator, emulator: GeminiEmulator
) -> None:
    emulator.set_rates({"http_503": 1.0})
    provider = make_provider(running_emulator.base_url)
    try:
        with pytest.raises(ThoughtProviderUnavailable):
            await provider.generate(request_for())
    finally:
        await provider.aclose()
    assert [r.fault for r in emulator.requests] == [Fault.http_503]
