from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from typer.testing import CliRunner

from newvisions.cli import app as cli
from newvisions.config.settings import Settings, ThoughtProviderName
from newvisions.content import language
from newvisions.content.providers.gemini import GeminiThoughtProvider
from newvisions.content.providers.gemini_emulator import GeminiEmulator
from newvisions.content.service import NoteWriter


def test_gemini_needs_a_key_and_a_model(settings: Settings) -> None:
    base = settings.model_dump()
    with pytest.raises(ValidationError, match="NV_GEMINI_MODEL"):
        Settings(**{**base, "thought_provider": "gemini", "gemini_api_key": "k"})
    with pytest.raises(ValidationError, match="NV_GEMINI_API_KEY"):
        Settings(**{**base, "thought_provider": "gemini", "gemini_model": "m"})


def test_note_lengths_must_be_ordered(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="NV_NOTE_MIN_CHARS"):
        Settings(**{**settings.model_dump(), "note_target_min_chars": 130})


async def test_the_configured_provider_is_used(settings: Settings) -> None:
    gemini = settings.model_copy(
        update={
            "thought_provider": ThoughtProviderName.gemini,
            "gemini_api_key": SecretStr("k"),
            "gemini_model": "m",
            "gemini_base_url": "http://127.0.0.1:9",
        }
    )
    writer = NoteWriter(gemini)
    try:
        assert isinstance(writer.provider, GeminiThoughtProvider)
        assert writer.uses_remote_provider
    finally:
        await writer.aclose()
    assert not NoteWriter(settings).uses_remote_provider


def test_emulate_gemini_is_a_command() -> None:
    result = CliRunner().invoke(cli, ["emulate", "gemini", "--help"])
    assert result.exit_code == 0, result.output
    assert "--port" in result.output


async def test_the_emulator_speaks_only_v1beta_and_can_be_driven_over_http() -> None:
    emulator = GeminiEmulator()
    transport = httpx.ASGITransport(app=emulator.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        body = {"contents": [{"parts": [{"text": "hello"}], "role": "user"}]}
        wrong_version = await client.post("/v1/models/m:generateContent", json=body)
        assert wrong_version.status_code == 404
        assert wrong_version.json()["error"]["status"] == "NOT_FOUND"
        queued = await client.post("/emulator/faults", json={"faults": ["http_429"]})
        assert queued.json() == {"queued": 1}
        limited = await client.post("/v1beta/models/m:generateContent", json=body)
        assert limited.status_code == 429
        assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
        answered = await client.post("/v1beta/models/m:generateContent", json=body)
        assert answered.json()["candidates"][0]["finishReason"] == "STOP"
        malformed = await client.post("/v1beta/models/m:generateContent", json={"x": 1})
        assert malformed.status_code == 400
        seen = await client.get("/emulator/requests")
        assert seen.json() == {"count": 2, "faults": ["http_429", "ok"]}


def test_the_detector_can_be_warmed_in_the_background() -> None:
    language.warm_in_background().join(timeout=30)
    assert language.is_loaded()
    assert language.is_language("Bueno, anoche soñé algo rarísimo, qué cosa.", "es")
    assert not language.is_language("Okay, so last night I had the weirdest dream ever.", "es")
