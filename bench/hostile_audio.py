"""Hostile audio: the corpus of tests/voice_cloning/recording/hostile_corpus.py sent to a real
server process, with the server's peak memory.

Starts `newvisions serve` (offline engines, SQLite unless --database-url), registers a performer
whose valid 40 s recording is uploaded and analysed first (so the baseline includes the decoder
and the analysis models), then posts each hostile file to POST /api/voice/recording and prints:
status, error code, time, and the server's peak RSS so far (VmHWM of /proc/<pid>/status). Then
the heaviest file is sent by several clients at once. Exits 1 on any 5xx, any answer that is not
the file's own refusal, any 2xx for garbage, or a server that died.

Usage: PYTHONPATH=. .venv/bin/python bench/hostile_audio.py [--port 18420] [--concurrent 4]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.proof.server_process import (  # noqa: E402
    seeded,
    server_env,
    speech,
    start_server,
    stop_server,
    wait_ready,
)
from tests.voice_cloning.recording.audio_fixtures import encode  # noqa: E402
from tests.voice_cloning.recording.hostile_corpus import Hostile, hostile_corpus  # noqa: E402

from newvisions.utils.logging import configure_logging  # noqa: E402

URL = "/api/voice/recording"
HEAVIEST = "8 channels at 384 kHz, 40 s of silence (FLAC)"


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def verdict(item: Hostile, response: httpx.Response) -> tuple[str, bool]:
    try:
        code = str(response.json().get("error", "-"))
    except ValueError:
        code = "(not JSON)"
    ok = response.status_code == item.status and code in item.codes
    return code, ok


async def post(client: httpx.AsyncClient, headers: dict[str, str], item: Hostile) -> httpx.Response:
    return await client.post(
        URL, headers=headers, files={"file": (item.filename, item.data, item.mime)}
    )


async def run(
    base_url: str, pid: int, headers: dict[str, str], corpus: list[Hostile], n: int
) -> bool:
    all_ok = True
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        rss, hwm = memory_mb(pid)
        print(
            f"baseline after a valid upload and its analysis: RSS {rss:.0f} MB, peak {hwm:.0f} MB"
        )
        print(
            f"{'file':<52} {'size':>9} {'status':>6} {'error code':<31} {'time':>7} {'peak RSS':>9}"
        )
        for item in corpus:
            began = time.perf_counter()
            response = await post(client, headers, item)
            elapsed = time.perf_counter() - began
            code, ok = verdict(item, response)
            all_ok &= ok
            _, hwm = memory_mb(pid)
            mark = "" if ok else f"  << expected {item.status} {'/'.join(item.codes)}"
            print(
                f"{item.name[:52]:<52} {len(item.data):>9} {response.status_code:>6} "
                f"{code:<31} {elapsed:>6.2f}s {hwm:>6.0f} MB{mark}"
            )
        heaviest = next(item for item in corpus if item.name == HEAVIEST)
        began = time.perf_counter()
        responses = await asyncio.gather(*(post(client, headers, heaviest) for _ in range(n)))
        elapsed = time.perf_counter() - began
        verdicts = [verdict(heaviest, r) for r in responses]
        all_ok &= all(ok for _, ok in verdicts)
        rss, hwm = memory_mb(pid)
        answers = [
            f"{r.status_code} {code}" for r, (code, _) in zip(responses, verdicts, strict=True)
        ]
        print(f"{n} x '{HEAVIEST}' at once: {answers} in {elapsed:.1f} s")
        print(f"after the run: RSS {rss:.0f} MB, peak {hwm:.0f} MB")
    return all_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18420)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--concurrent", type=int, default=4)
    args = parser.parse_args()
    configure_logging(json_logs=False, level="WARNING")  # the seeding's own log lines
    print(
        f"Hostile audio, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, db={args.database_url or 'sqlite'}"
    )
    with tempfile.TemporaryDirectory(prefix="nv-hostile-") as tmp:
        directory = Path(tmp)
        samples = speech(directory)
        corpus = hostile_corpus(samples)
        valid = encode(np.concatenate([samples, samples])[: 40 * 16_000], 16_000, "webm")
        env = server_env(directory, args.port, args.database_url, None)
        base_url = f"http://127.0.0.1:{args.port}"
        server = start_server(env, directory / "server.log")
        try:
            wait_ready(base_url, server)
            rss, hwm = memory_mb(server.pid)
            print(f"server started: RSS {rss:.0f} MB, peak {hwm:.0f} MB")
            identities = asyncio.run(seeded(env, base_url, valid))
            ok = asyncio.run(
                run(base_url, server.pid, identities.performer, corpus, args.concurrent)
            )
            alive = server.poll() is None
        finally:
            clean = stop_server(server)
            log_tail = (directory / "server.log").read_text(errors="replace")[-3000:]
    if not (alive and clean):
        print(f"the server died or did not stop cleanly:\n{log_tail}")
    print("result:", "every file refused with its own code" if ok and alive else "FAILED")
    return 0 if ok and alive and clean else 1


if __name__ == "__main__":
    sys.exit(main())
