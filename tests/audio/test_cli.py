from __future__ import annotations

import os
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


def test_audio_purge_removes_files_nobody_owns(isolated_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    folder = isolated_env / "audio" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    old = folder / f"{uuid.uuid4().hex}.m4a"
    new = folder / f"{uuid.uuid4().hex}.m4a"
    for path in (old, new):
        path.write_bytes(b"x")
    two_days_ago = old.stat().st_mtime - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))

    result = runner.invoke(app, ["audio", "purge"])
    assert result.exit_code == 0, result.output
    # No account owns the folder (the database is empty): all of it goes.
    assert "deleted 0 expired memo(s) and 2 stray file(s)" in result.output
    assert not folder.exists()
