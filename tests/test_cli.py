"""The command line works from a clean data directory: migrate, then doctor."""

from __future__ import annotations

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


def test_migrate_then_doctor(isolated_env: Path) -> None:
    runner = CliRunner()
    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert (isolated_env / "newvisions.sqlite3").exists()

    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert "database: ok" in doctor.output
    secret = (isolated_env / "jwt_secret").read_text()
    assert secret not in doctor.output


def test_doctor_fails_loudly_when_the_database_is_unreachable(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NV_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    doctor = CliRunner().invoke(app, ["doctor"])
    assert doctor.exit_code == 1
    assert "UNREACHABLE" in doctor.output
