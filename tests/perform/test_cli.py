"""`newvisions perform`: the whole pipeline from a terminal."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newvisions.cli import app as cli
from newvisions.config.settings import get_settings
from tests.perform.conftest import Live, LiveFactory
from tests.perform.test_perform import _decode


@pytest.fixture
async def live(live_app: LiveFactory) -> Live:
    return await live_app(voice_provider="offline")


def _invoke(live: Live, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("NV_DATA_DIR", str(live.settings.data_dir))
    monkeypatch.setenv("NV_DATABASE_URL", live.settings.effective_database_url)
    monkeypatch.setenv("NV_VOICE_PROVIDER", "offline")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["perform", *args])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


async def test_perform_from_the_terminal_writes_the_memo(
    live: Live, good_webm: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await live.performer(good_webm)
    out = tmp_path / "memo.m4a"
    code, output = await asyncio.to_thread(
        _invoke,
        live,
        monkeypatch,
        "--user",
        user.username,
        "--routine",
        "cards",
        "--value",
        "Q of Clubs",
        "--out",
        str(out),
    )
    assert code == 0, output
    assert "the queen of clubs" in output.lower()
    duration, tags, codec = _decode(out.read_bytes())
    assert codec == "aac" and duration > 3.0 and tags.get("title")


async def test_an_unknown_performer_is_a_clear_error(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = await asyncio.to_thread(
        _invoke, live, monkeypatch, "--user", "nobody", "--routine", "cards", "--value", "AH"
    )
    assert code == 1
    assert "user_not_found" in output
