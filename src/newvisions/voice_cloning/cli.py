"""`newvisions sweep`: one sweeper pass from the command line."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict

import typer

from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import get_settings
from newvisions.utils.logging import configure_logging
from newvisions.voice_cloning.dependencies import VoiceCloning
from newvisions.voice_cloning.sweeper import SweepReport


def sweep() -> None:
    """Delete temporary voices that outlived their perform, and close their ledger rows."""
    report = asyncio.run(_sweep())
    typer.echo(json.dumps(asdict(report), indent=2))
    if report.delete_failures:
        raise typer.Exit(code=1)


async def _sweep() -> SweepReport:
    settings = get_settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)  # to stderr
    engine = create_engine(settings)
    voice = VoiceCloning.build(settings, create_sessionmaker(engine))
    try:
        if voice.sweeper is None:
            typer.echo(f"no voice provider available for {settings.voice_provider.value}", err=True)
            raise typer.Exit(code=2)
        # Without Redis this process cannot see the server's leases: only rows older than
        # NV_VOICE_CLONE_STALE_AFTER_S are treated as abandoned.
        return await voice.sweeper.sweep(trust_leases=voice.coordinator.shared)
    finally:
        await voice.aclose()
        await engine.dispose()
