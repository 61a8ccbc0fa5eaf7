from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newvisions.cli import app
from newvisions.config.settings import get_settings


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NV_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_recordings_sweep_removes_files_of_accounts_that_do_not_exist(
    isolated_env: Path,
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    folder = isolated_env / "voice_recordings" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    (folder / f"{uuid.uuid4().hex}.flac").write_bytes(b"x")

    result = runner.invoke(app, ["recordings", "sweep"])
    assert result.exit_code == 0, result.output
    assert "removed 1 file(s) of deleted accounts and 0 stray file(s)" in result.output
    assert not folder.exists()
