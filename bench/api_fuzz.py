"""API fuzz, long form: schemathesis against a real server process, many examples per operation.

Starts `newvisions serve` (offline note and voice engines, no keys) on its own data directory,
registers a performer with an analysed 40 s recording and an admin, then runs
tests/proof/api_fuzz.py over every operation of the server's OpenAPI schema: valid and invalid
examples, checked for 5xx and for any response the schema does not declare. Routes with side
effects (logout, account deletion, …) run last, each as a performer of its own: see SIDE_EFFECTS.

Usage: PYTHONPATH=. .venv/bin/python bench/api_fuzz.py [--examples 100] [--perform-examples 10]
       [--database-url postgresql+asyncpg://…] [--redis-url redis://…/5] [--port 18410]
Exit status 1 when any failure was found.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.proof.api_fuzz import run_fuzz  # noqa: E402
from tests.proof.server_process import (  # noqa: E402
    seeded,
    server_env,
    speech,
    start_server,
    stop_server,
    wait_ready,
)
from tests.voice_cloning.recording.audio_fixtures import encode  # noqa: E402

from newvisions.utils.logging import configure_logging  # noqa: E402


def speech_webm(directory: Path, seconds: int = 40) -> bytes:
    return encode(speech(directory)[: seconds * 16_000], 16_000, "webm")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="per operation and mode")
    parser.add_argument("--perform-examples", type=int, default=10)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--port", type=int, default=18410)
    parser.add_argument("--seed", type=int, default=None, help="default: derandomized")
    args = parser.parse_args()
    configure_logging(json_logs=False, level="WARNING")  # the seeding's own log lines

    with tempfile.TemporaryDirectory(prefix="nv-fuzz-") as tmp:
        directory = Path(tmp)
        recording = speech_webm(directory)
        env = server_env(directory, args.port, args.database_url, args.redis_url)
        base_url = f"http://127.0.0.1:{args.port}"
        server = start_server(env, directory / "server.log")
        try:
            wait_ready(base_url, server)
            identities = asyncio.run(seeded(env, base_url, recording))
            openapi = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
            report = run_fuzz(
                openapi,
                base_url,
                identities,
                max_examples=args.examples,
                limited={"POST /api/perform": args.perform_examples},
                seed=args.seed,
            )
        finally:
            crashed = not stop_server(server)
            log_tail = (directory / "server.log").read_text(errors="replace")[-3000:]
    print(f"API fuzz, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, db={args.database_url or 'sqlite'}")
    print(f"examples per operation and mode: {args.examples} (perform: {args.perform_examples})")
    print(report.summary())
    print("responses per operation and status:")
    for key, count in sorted(report.statuses.items()):
        print(f"  {key}: {count}")
    if crashed:
        print(f"the server exited with {server.returncode}:\n{log_tail}")
    return 1 if report.failures or report.errors or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
