"""Content commands for the `newvisions` CLI."""

from __future__ import annotations

import typer
import uvicorn

from newvisions.content.providers.gemini_emulator import GeminiEmulator


def emulate_gemini(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8766, help="Port to listen on."),
    api_key: str | None = typer.Option(
        None, help="Require this x-goog-api-key (default: accept any)."
    ),
    hang_s: float = typer.Option(30.0, help="How long a queued `hang` fault holds a request."),
) -> None:
    """Serve the Gemini emulator (POST /v1beta/models/{model}:generateContent).

    Point NV_GEMINI_BASE_URL at it; queue faults with POST /emulator/faults.
    """
    emulator = GeminiEmulator(api_key=api_key, hang_s=hang_s)
    typer.echo(f"Gemini emulator on http://{host}:{port}")
    uvicorn.run(emulator.app, host=host, port=port, log_config=None, access_log=False)
