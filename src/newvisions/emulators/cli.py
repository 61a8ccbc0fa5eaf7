"""`newvisions emulate <vendor>`: run a vendor emulator for local development."""

from __future__ import annotations

import typer
import uvicorn

from newvisions.emulators.elevenlabs import ElevenLabsEmulator, EmulatorConfig

app = typer.Typer(help="Run a loopback emulator of an external service.", no_args_is_help=True)


@app.command("elevenlabs")
def elevenlabs(
    port: int = typer.Option(8765, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    voice_limit: int = typer.Option(10, help="Cloned-voice slots of the emulated account."),
    api_key: str = typer.Option("test-key", help="The xi-api-key the emulator accepts."),
    create_latency: float = typer.Option(0.0, help="Seconds every voice creation takes."),
    tts_latency: float = typer.Option(0.0, help="Seconds before speech starts streaming."),
) -> None:
    """The ElevenLabs API slice New Visions uses. Point NV_ELEVENLABS_BASE_URL at it.

    Faults are injected with POST /_emulator/faults/{endpoint}; GET /_emulator/state shows
    every call and the peak number of live cloned voices.
    """
    config = EmulatorConfig(
        api_keys=frozenset({api_key}),
        voice_limit=voice_limit,
        latency_s={"voices.add": create_latency, "tts": tts_latency},
    )
    typer.echo(f"ElevenLabs emulator on http://{host}:{port} (key: {api_key})")
    uvicorn.run(ElevenLabsEmulator(config).app, host=host, port=port, log_level="warning")
