"""The command line works from a clean data directory: migrate, then doctor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newvisions.cli import app
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Settings, get_settings
from newvisions.voice_cloning.dependencies import VoiceCloning


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


def test_serve_tells_its_worker_processes_how_many_workers_there_are(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker reads its settings anew; thinking it is alone (without Redis), its sweeper
    would take the clones of the other workers for abandoned ones and delete them mid-perform."""
    monkeypatch.setenv("NV_WORKERS", "1")  # restored after the test
    monkeypatch.delenv("NV_REDIS_URL", raising=False)
    seen: dict[str, object] = {}

    def run_workers(*_args: object, **kwargs: object) -> None:
        seen["workers"] = kwargs["workers"]
        fresh = Settings(_env_file=None)  # type: ignore[call-arg]
        seen["settings_workers"] = fresh.workers
        engine = create_engine(fresh)
        loop = VoiceCloning.build(fresh, create_sessionmaker(engine)).sweeper_loop
        assert loop is not None
        seen["trust_leases"] = loop._trust_leases

    monkeypatch.setattr("newvisions.cli.configure_logging", lambda **_: None)
    monkeypatch.setattr("newvisions.cli.uvicorn.run", run_workers)
    result = CliRunner().invoke(app, ["serve", "--workers", "3", "--no-migrate", "--no-bootstrap"])

    assert result.exit_code == 0, result.output
    assert seen == {"workers": 3, "settings_workers": 3, "trust_leases": False}


def test_serve_gives_workers_time_to_start_and_logs_the_supervisor(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Importing the app takes 5-8 s on a busy 2-core machine: uvicorn's default 5 s health
    check killed workers while they were still importing, in a loop, and the supervisor's
    "Child process died" lines went nowhere because the parent had no log handler."""
    calls: list[str] = []
    options: dict[str, object] = {}
    monkeypatch.setattr("newvisions.cli.configure_logging", lambda **_: calls.append("logging"))

    def run_workers(*_args: object, **kwargs: object) -> None:
        calls.append("uvicorn")
        options.update(kwargs)

    monkeypatch.setattr("newvisions.cli.uvicorn.run", run_workers)
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--no-migrate", "--no-bootstrap"])

    assert result.exit_code == 0, result.output
    assert calls == ["logging", "uvicorn"]
    assert isinstance(options["timeout_worker_healthcheck"], int)
    assert options["timeout_worker_healthcheck"] >= 30
