"""`newvisions audio …` commands."""

from __future__ import annotations

import asyncio

import typer

from newvisions.audio.service import PurgeReport
from newvisions.audio.tasks import purge_expired_audio
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import get_settings

app = typer.Typer(help="Generated voice memos.", no_args_is_help=True)


@app.command()
def purge() -> None:
    """Delete expired memos and stray files now (the server also does this periodically)."""
    report = asyncio.run(_purge())
    typer.echo(f"deleted {report.expired} expired memo(s) and {report.orphans} stray file(s)")


async def _purge() -> PurgeReport:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        return await purge_expired_audio(create_sessionmaker(engine), settings)
    finally:
        await engine.dispose()
