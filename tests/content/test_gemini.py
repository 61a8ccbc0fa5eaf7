"""The Gemini adapter through the official SDK, against the emulator on a loopback socket.

Every scenario ends in a note that passes every check (Gemini's, or the composer's after a
fallback) or, for the adapter alone, in a clear `ThoughtProviderUnavailable`/`UnusableThought`.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator

import pytest

from newvisions.config.settings import Settings, ThoughtProviderName
from newvisions.content.exceptions import ThoughtProviderUnavailable, UnusableThought
from newvisions.content.providers.base import ThoughtRequest
from newvisions.content.providers.gemini import GeminiThoughtProvider
from newvisions.content.providers.gemini_emulator import Fault, GeminiEmulator
from newvisions.content.routines import Routine, speak_value
from newvisions.content.schemas import Note
from newvisions.content.service import NoteWriter
from tests.content.conftest import EMULATOR_API_KEY, EMULATOR_MODEL, RunningEmulator

pytestmark = pytest.mark.usefixtures("detector_loaded")


def make_provider(
    base_url: str,
    *,
    timeout_s: float = 2.0,
    http_attempts: int = 1,
    api_key: str = EMULATOR_API_KEY,
) -> GeminiThoughtProvider:
    return GeminiThoughtProvider(
        api_key=api_key,
        model=EMULATOR_MODEL,
        base_url=base_url,
        timeout_s=timeout_s,
        http_attempts=http_attempts,
    )


@pytest.fixture
async def provider(running_emulator: RunningEmulator) -> AsyncIterator[GeminiThoughtProvider]:
    provider = make_provider(running_emulator.base_url)
    yield provider
    await provider.aclose()


def writer_for(
    settings: Settings, provider: GeminiThoughtProvider, **overrides: object
) -> NoteWriter:
    configured = settings.model_copy(
        update={"thought_provider": ThoughtProviderName.offline, **overrides}
    )
    return NoteWriter(configured, provider=provider)


def request_for(raw: str = "QH", lang: str = "en") -> ThoughtRequest:
    return ThoughtRequest(
        value=speak_value(Routine.cards, raw, lang),  # type: ignore[arg-type]
        rng=random.Random(7),
        previous_note=None,
        target_chars=(80, 120),
        bounds_chars=(40, 160),
    )


def assert_valid(writer: NoteWriter, note: Note, raw: str = "QH", lang: str = "en") -> None:
    value = speak_value(Routine.cards, raw, lang)  # type: ignore[arg-type]
    assert note.spoken_value == value.text
    assert writer.problems(note.text, value, None) == ()


async def test_success_is_gemini_s_note(
    settings: Settings, provider: GeminiThoughtProvider, emulator: GeminiEmulator
) -> None:
    writer = writer_for(settings, provider)
    note = await writer.write_note("cards", "QH", "es")
    assert note.provider == "gemini"
    assert "la reina de corazones" in note.text
    assert_valid(writer, note, lang="es")
    assert len(emulator.requests) == 1


async def test_the_request_on_the_wire(
    settings: Settings, provider: GeminiThoughtProvider, emulator: GeminiEmulator
) -> None:
    await writer_for(settings, provider).write_note("cards", "QH", "en")
    (recorded,) = emulator.requests
    assert recorded.model == EMULATOR_MODEL
    assert recorded.api_key == EMULATOR_API_KEY
    config = recorded.body["generationConfig"]
    assert config["thinkingConfig"] == {"thinking_budget": 0}
    assert config["candidateCount"] == 1
    assert config["maxOutputTokens"] >= 60
    assert {s["category"] for s in recorded.body["safetySettings"]} >= {
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    }
    system = recorded.body["systemInstruction"]["parts"][0]["text"]
    assert "card" in system  # the forbidden words are spelled out for the model
    user = recorded.body["contents"][0]["parts"][0]["text"]
    assert '"the queen of hearts"' in user
    assert "tools" not in recorded.body


@pytest.mark.parametrize(
    ("faults", "requests"),
    [
        ([Fault.max_tokens], 2),
        ([Fault.empty], 2),
        ([Fault.safety], 2),
        ([Fault.invalid_note], 2),
    ],
)
async def test_an_unusable_answer_is_retried_then_gemini_s_next_note_is_used(
    settings: Settings,
    provider: GeminiThoughtProvider,
    emulator: GeminiEmulator,
    faults: list[Fault],
    requests: int,
) -> None:
    emulator.queue(*faults)
    writer = writer_for(settings, provider, thought_attempts=2)
    note = await writer.write_note("cards", "QH", "en")
    assert note.provider == "gemini"
    assert_valid(writer, note)
    assert len(emulator.requests) == requests


@pytest.mark.parametrize("fault", [Fault.max_tokens, Fault.empty, Fault.safety, Fault.invalid_note])
async def test_unusable_answers_every_time_fall_back_to_the_composer(
    settings: Settings, provider: GeminiThoughtProvider, emulator: GeminiEmulator, fault: Fault
) -> None:
    emulator.queue(fault, fault)
    writer = writer_for(settings, provider, thought_attempts=2)
    note = await writer.write_note("cards", "QH", "en")
    assert note.provider == "offline"
    assert_valid(writer, note)
    assert len(emulator.requests) == 2


@pytest.mark.parametrize(
    "fault", [Fault.prompt_blocked, Fault.http_429, Fault.http_500, Fault.http_503]
)
async def test_refusals_and_outages_fall_back_at_once(
    settings: Settings, provider: GeminiThoughtProvider, emulator: GeminiEmulator, fault: Fault
) -> None:
    emulator.queue(fault)
    writer = writer_for(settings, provider, thought_attempts=3)
    note = await writer.write_note("cards", "QH", "en")
    assert note.provider == "offline"
    assert_valid(writer, note)
    assert len(emulator.requests) == 1  # a blocked prompt or an outage is not asked again


async def test_a_hung_request_times_out_and_falls_back(
    settings: Settings, running_emulator: RunningEmulator, emulator: GeminiEmulator
) -> None:
    emulator.queue(Fault.hang)
    provider = make_provider(running_emulator.base_url, timeout_s=0.3)
    try:
        writer = writer_for(settings, provider)
        started = time.perf_counter()
        note = await writer.write_note("cards", "QH", "en")
        elapsed = time.perf_counter() - started
    finally:
        await provider.aclose()
    assert note.provider == "offline"
    assert_valid(writer, note)
    assert elapsed < 1.5


async def test_the_deadline_bounds_the_whole_provider_phase(
    settings: Settings, provider: GeminiThoughtProvider, emulator: GeminiEmulator
) -> None:
    emulator.queue(Fault.hang)
    writer = writer_for(settings, provider, thought_deadline_s=0.3)
    started = time.perf_counter()
    note = await writer.write_note("cards", "QH", "en")
    assert time.perf_counter() - started < 1.0
    assert note.provider == "offline"
    assert_valid(writer, note)


async def test_the_sdk_retries_an_outage_when_asked_to(
    settings: Settings, running_emulator: RunningEmulator, emulator: GeminiEmulator
) -> None:
    emulator.queue(Fault.http_503)
    provider = make_provider(running_emulator.base_url, http_attempts=2)
    try:
        note = await writer_for(settings, provider).write_note("cards", "QH", "en")
    finally:
        await provider.aclose()
    assert note.provider == "gemini"
    assert [r.fault for r in emulator.requests] == [Fault.http_503, Fault.ok]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.http_429, "http_429"),
        (Fault.http_503, "http_503"),
        (Fault.prompt_blocked, "prompt_blocked:SAFETY"),
    ],
)
async def test_the_adapter_raises_clear_errors(
    provider: GeminiThoughtProvider, emulator: GeminiEmulator, fault: Fault, reason: str
) -> None:
    emulator.queue(fault)
    with pytest.raises(ThoughtProviderUnavailable) as raised:
        await provider.generate(request_for())
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.max_tokens, "finish_reason:MAX_TOKENS"),
        (Fault.safety, "finish_reason:SAFETY"),
        (Fault.empty, "empty_text"),
    ],
)
async def test_the_adapter_never_passes_on_truncated_or_empty_text(
    provider: GeminiThoughtProvider, emulator: GeminiEmulator, fault: Fault, reason: str
) -> None:
    emulator.queue(fault)
    with pytest.raises(UnusableThought) as raised:
        await provider.generate(request_for())
    assert raised.value.reason == reason


async def test_a_timeout_is_a_provider_error_not_a_crash(
    running_emulator: RunningEmulator, emulator: GeminiEmulator
) -> None:
    emulator.queue(Fault.hang)
    provider = make_provider(running_emulator.base_url, timeout_s=0.2)
    try:
        with pytest.raises(ThoughtProviderUnavailable) as raised:
            await provider.generate(request_for())
    finally:
        await provider.aclose()
    assert raised.value.reason.startswith("transport:")


async def test_a_wrong_key_is_a_configuration_error(
    running_emulator: RunningEmulator, emulator: GeminiEmulator
) -> None:
    provider = make_provider(running_emulator.base_url, api_key="wrong")
    try:
        with pytest.raises(ThoughtProviderUnavailable) as raised:
            await provider.generate(request_for())
    finally:
        await provider.aclose()
    assert raised.value.reason == "http_400"


async def test_gemini_repeating_the_users_last_note_is_asked_again(
    settings: Settings, provider: GeminiThoughtProvider, emulator: GeminiEmulator
) -> None:
    class Memory:
        def __init__(self, last: str) -> None:
            self.last = last

        async def previous(self) -> str | None:
            return self.last

        async def remember(self, text: str) -> None:
            self.last = text

    # What the emulator answers first for this value: the user heard it last time.
    heard = await provider.generate(request_for())
    emulator.reset()
    memory = Memory(heard)
    writer = writer_for(settings, provider)
    note = await writer.write_note("cards", "QH", "en", memory=memory)
    assert note.provider == "gemini"
    assert note.text != heard
    assert memory.last == note.text
    assert len(emulator.requests) == 2
