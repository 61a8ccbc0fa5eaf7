"""`newvisions recordings …` commands."""

from __future__ import annotations

import asyncio

import typer

from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import get_settings
from newvisions.voice_cloning.recording import tasks
from newvisions.voice_cloning.recording.service import RecordingIntake, transaction_scope

app = typer.Typer(help="Performers' voice recordings.", no_args_is_help=True)


@app.command()
def sweep() -> None:
    """Remove recording files no row names, now (the server also does this periodically)."""
    report = asyncio.run(_sweep())
    typer.echo(
        f"removed {report.removed_of_deleted_accounts} file(s) of deleted accounts and "
        f"{report.removed_orphans} stray file(s)"
    )


async def _sweep() -> tasks.SweepReport:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        intake = RecordingIntake(settings, transaction_scope(create_sessionmaker(engine)))
        return await tasks.sweep_files(intake)
    finally:
        await engine.dispose()
