"""The product's app plus one bare JSON route, for the load benchmark only.

Served by uvicorn's factory mode: `uvicorn bench.load_app:create_bench_app --factory`.
The bare route runs through the same middlewares as every API route (request id, metrics and
the access log line), so the two routes differ only by what the API route itself does.
"""

from __future__ import annotations

from fastapi import FastAPI

from newvisions.app import create_app

BARE_PATH = "/bench/bare"


def create_bench_app() -> FastAPI:
    app = create_app()

    @app.get(BARE_PATH, include_in_schema=False)
    async def bare() -> dict[str, str]:
        return {"status": "ok"}

    return app
