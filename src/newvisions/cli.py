"""The `newvisions` command line: serve, migrate, doctor (modules add their own groups)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import typer
import uvicorn
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text

from newvisions.activation.cli import app as codes_app
from newvisions.audio.cli import app as audio_cli
from newvisions.config.database import create_engine
from newvisions.config.settings import get_settings
from newvisions.content.cli import emulate_gemini
from newvisions.perform.cli import perform
from newvisions.users.cli import app as users_app
from newvisions.users.cli import first_run
from newvisions.utils.logging import configure_logging
from newvisions.utils.metrics import MULTIPROCESS_DIR_ENV
from newvisions.voice_cloning.cli import emulate_elevenlabs, sweep
from newvisions.voice_cloning.recording.cli import app as recordings_app

app = typer.Typer(help="New Visions backend.", no_args_is_help=True, add_completion=False)
app.add_typer(codes_app, name="codes")
app.add_typer(users_app, name="users")
app.add_typer(audio_cli, name="audio")
app.command("sweep")(sweep)
app.command("perform")(perform)
app.add_typer(recordings_app, name="recordings")

# Vendor emulators for development and tests; each module registers its own.
emulate = typer.Typer(help="Run a vendor API emulator on this machine.", no_args_is_help=True)
emulate.command("gemini")(emulate_gemini)
emulate.command("elevenlabs")(emulate_elevenlabs)
app.add_typer(emulate, name="emulate")


# uvicorn's supervisor pings every worker and replaces one that has not answered within this
# many seconds. A new worker answers only once it has imported the application, which takes
# several seconds on a busy machine: with uvicorn's default of 5 s, workers are killed while
# still importing, again and again, and a server may never get all its workers up.
WORKER_HEALTHCHECK_TIMEOUT_S = 60


def alembic_config() -> AlembicConfig:
    """Alembic's configuration; the migrations ship inside the package."""
    config = AlembicConfig()
    config.set_main_option("script_location", "newvisions:migrations")
    return config


@app.command()
def migrate(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply database migrations up to REVISION."""
    command.upgrade(alembic_config(), revision)
    typer.echo(f"database migrated to {revision}")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to bind (default NV_HOST)."),
    port: int | None = typer.Option(None, help="Port (default NV_PORT)."),
    workers: int | None = typer.Option(None, help="Worker processes (default NV_WORKERS)."),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Migrate first."),
    bootstrap: bool = typer.Option(
        True,
        "--bootstrap/--no-bootstrap",
        help="On a database without an admin, create one and print it with a few codes.",
    ),
) -> None:
    """Serve the API (migrations and the first-run admin first)."""
    settings = get_settings()
    # The supervisor of several workers reports through `logging` (a worker that died or
    # failed to start): without a handler here those lines would be lost.
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)
    if migrate_first:
        command.upgrade(alembic_config(), "head")
    if bootstrap:
        first_run(settings)
    workers = workers or settings.workers
    # Each worker process reads its settings anew: it must see how many workers there are
    # (without Redis, one that believes it is alone sweeps the other workers' clones away).
    os.environ["NV_WORKERS"] = str(workers)
    if workers > 1:
        share_metrics_between_workers(settings.data_dir / "metrics")
    uvicorn.run(
        "newvisions.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT_S,
        log_config=None,
        access_log=False,
    )


def share_metrics_between_workers(directory: Path) -> None:
    """Prometheus multi-process mode: every worker writes its samples under `directory`
    (emptied first: the files of a previous run would be counted again)."""
    if os.environ.get(MULTIPROCESS_DIR_ENV):
        return  # chosen by whoever started us
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR_ENV] = str(directory)


@app.command()
def doctor() -> None:
    """Print the effective configuration (secrets masked) and check the database."""
    settings = get_settings()
    typer.echo(json.dumps(settings.public_view(), indent=2, default=str))
    ok = asyncio.run(_database_reachable())
    typer.echo(f"database: {'ok' if ok else 'UNREACHABLE'}")
    if not ok:
        raise typer.Exit(code=1)


async def _database_reachable() -> bool:
    engine = create_engine(get_settings())
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # doctor reports, it does not crash
        typer.echo(f"database error: {type(exc).__name__}: {exc}", err=True)
        return False
    else:
        return True
    finally:
        await engine.dispose()
