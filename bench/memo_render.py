"""Render time of a voice memo from 6 s of speech, m4a and mp3, background off and on.

Run: .venv/bin/python bench/memo_render.py [--runs N]
Prints wall-clock p50/p95/max and CPU-time p50 per case, and the stage split (compose vs
encode) of the m4a case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.audio.synthetic_speech import synthetic_speech

from newvisions.audio.audio_processor import compose_memo, encode_file, to_memo_rate
from newvisions.audio.memo import memo_spec, render_memo_file
from newvisions.config.settings import AudioFormat
from newvisions.users.schemas import UserSettings


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    speech = synthetic_speech(6.0, sample_rate=24_000)  # offline engines speak at 22–24 kHz
    print(f"speech: {speech.duration_s:.1f} s at {speech.sample_rate} Hz, {args.runs} runs each")
    with tempfile.TemporaryDirectory() as folder:
        for fmt in (AudioFormat.m4a, AudioFormat.mp3):
            for background in (False, True):
                settings = UserSettings(background_sound=background, background_volume=30)
                spec = memo_spec(settings, fmt=fmt, target_lufs=-16.0, now=datetime.now(UTC))
                path = Path(folder) / f"memo.{fmt.value}"
                render_memo_file(speech, spec, path)  # warm-up (codec init, FFT plans)
                times, cpu = [], []
                for _ in range(args.runs):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    render_memo_file(speech, spec, path)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - cpu_started) * 1000)
                print(
                    f"{fmt.value:>3} background={'on ' if background else 'off'}  "
                    f"p50 {statistics.median(times):6.1f} ms  "
                    f"p95 {_percentile(times, 0.95):6.1f} ms"
                    f"  max {max(times):6.1f} ms  cpu p50 {statistics.median(cpu):6.1f} ms"
                    f"  ({path.stat().st_size / 1024:.0f} KiB)"
                )
        compose, encode = [], []
        rng = np.random.default_rng()
        for _ in range(args.runs):
            started = time.perf_counter()
            audio, _ = compose_memo(
                to_memo_rate(speech.samples, speech.sample_rate),
                target_lufs=-16.0,
                background_volume=30,
                rng=rng,
            )
            middle = time.perf_counter()
            encode_file(
                audio,
                Path(folder) / "split.m4a",
                AudioFormat.m4a,
                title="t",
                recorded_at=datetime.now(UTC),
            )
            compose.append((middle - started) * 1000)
            encode.append((time.perf_counter() - middle) * 1000)
        print(
            f"m4a background=on split: compose p50 {statistics.median(compose):.1f} ms, "
            f"encode p50 {statistics.median(encode):.1f} ms"
        )


if __name__ == "__main__":
    main()
