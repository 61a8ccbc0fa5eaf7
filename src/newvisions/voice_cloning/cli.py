"""Voice-cloning commands: `newvisions sweep` and `newvisions emulate elevenlabs`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict

import typer
import uvicorn

from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import get_settings
from newvisions.utils.logging import configure_logging
from newvisions.voice_cloning.dependencies import VoiceCloning
from newvisions.voice_cloning.providers.elevenlabs_emulator import (
    ElevenLabsEmulator,
    EmulatorConfig,
)
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


def emulate_elevenlabs(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8765, help="Port to listen on."),
    voice_limit: int = typer.Option(10, help="Cloned-voice slots of the emulated account."),
    api_key: str = typer.Option("test-key", help="The xi-api-key the emulator accepts."),
    create_latency: float = typer.Option(0.0, help="Seconds every voice creation takes."),
    tts_latency: float = typer.Option(0.0, help="Seconds before speech starts streaming."),
) -> None:
    """Serve the ElevenLabs emulator (voices, subscription, text-to-speech).

    Point NV_ELEVENLABS_BASE_URL at it; inject faults with POST /_emulator/faults/{endpoint};
    GET /_emulator/state shows every call and the peak number of live cloned voices.
    """
    config = EmulatorConfig(
        api_keys=frozenset({api_key}),
        voice_limit=voice_limit,
        latency_s={"voices.add": create_latency, "tts": tts_latency},
    )
    typer.echo(f"ElevenLabs emulator on http://{host}:{port} (key: {api_key})")
    uvicorn.run(
        ElevenLabsEmulator(config).app, host=host, port=port, log_config=None, access_log=False
    )
