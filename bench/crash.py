"""Crash proof, long form: SIGKILL the real server mid-perform again and again, restart it,
and check that the start-up passes leave no voice at the provider, no held quota and no
perform stuck `running` (see tests/proof/crash_rig.py for what is checked and how kills are
aimed). Exits non-zero on any violation.

Usage: PYTHONPATH=. .venv/bin/python bench/crash.py [--kills 20] [--postgres URL --redis URL]
       [--ports 18200-18299] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from tests.proof.crash_rig import run
from tests.voice_cloning.recording.audio_fixtures import encode

REPO = Path(__file__).resolve().parents[1]


def recording(directory: Path) -> bytes:
    """40 s of synthetic English speech as a phone would upload it (webm/opus)."""
    out = directory / "speech.npy"
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "tests.voice_cloning.recording.espeak_speech", str(out), "40"],
        cwd=REPO,
        check=True,
    )
    return encode(np.load(out), 16_000, "webm")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (default: SQLite file)")
    parser.add_argument("--redis", default="", help="Redis URL (with --postgres)")
    parser.add_argument("--ports", default="18200-18299")
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(2), "big"))
    args = parser.parse_args()
    lo, hi = (int(p) for p in args.ports.split("-"))
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"crash proof: {args.kills} kills, {database}{' + Redis' if args.redis else ''}, "
        f"seed {args.seed}, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="nv-crash-") as tmp:
        kills = asyncio.run(
            run(
                Path(tmp),
                recording(Path(tmp)),
                kills=args.kills,
                database_url=args.postgres or None,
                redis_url=args.redis or None,
                ports=(lo, hi),
                seed=args.seed,
                log=lambda line: print(line, flush=True),
            )
        )
    failed = [k for k in kills if k.violations]
    print("PASS" if kills and not failed else f"FAIL: {len(failed)} kills with violations")
    return 0 if kills and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
