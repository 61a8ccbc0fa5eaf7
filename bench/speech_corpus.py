"""Real human speech for the voice benchmarks, from Debian packages (never committed).

The Asterisk prompt packages hold studio recordings of five speakers, CC-BY-SA-3.0. They are
fetched with `apt-get download` into a cache directory and unpacked with `dpkg-deb -x`; no
package is installed. Each speaker's short prompts are trimmed of silence and joined with
150 ms pauses; enrolment and held-out audio use disjoint prompts.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from newvisions.voice_cloning.world import FloatArray

RATE = 16_000
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache" / "speech"
_SOUNDS = "usr/share/asterisk/sounds"
_NOT_SPEECH = ("tt-monkeys", "beep", "silence")  # tt-monkeys is 16 s of monkey noises


@dataclass(frozen=True)
class Speaker:
    key: str
    package: str
    folder: str
    extension: str
    sex: str
    language: str


SPEAKERS = [
    Speaker(
        "allison_en", "asterisk-core-sounds-en-g722", "en_US_f_Allison", "g722", "female", "en"
    ),
    Speaker(
        "allison_es", "asterisk-core-sounds-es-g722", "es_MX_f_Allison", "g722", "female", "es"
    ),
    Speaker("june_fr", "asterisk-core-sounds-fr-g722", "fr_CA_f_June", "g722", "female", "fr"),
    Speaker("carlo_it", "asterisk-core-sounds-it-g722", "it_IT_m_Carlo", "g722", "male", "it"),
    Speaker(
        "menardi_it", "asterisk-prompt-it-menardi-wav", "it_IT_f_Menardi", "wav", "female", "it"
    ),
]


def fetch(speaker: Speaker, cache: Path = DEFAULT_CACHE) -> Path:
    """The unpacked prompt folder of a speaker, downloading its package the first time."""
    unpacked = cache / speaker.package
    folder = unpacked / _SOUNDS / speaker.folder
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", speaker.package], cwd=cache, check=True)  # noqa: S603, S607 - fixed commands, package names from the table above
    deb = next(cache.glob(f"{speaker.package}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)  # noqa: S603, S607 - fixed commands, package names from the table above
    return folder


def decode(path: Path) -> FloatArray:
    chunks: list[np.ndarray] = []
    container_format = "g722" if path.suffix == ".g722" else None
    with av.open(str(path), format=container_format) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
        chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


def trim(x: FloatArray, threshold_db: float = -40.0) -> FloatArray:
    """Drop a prompt's leading and trailing silence (10 ms frames below peak - 40 dB)."""
    hop = RATE // 100
    n = len(x) // hop
    if n == 0:
        return x
    energy = 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(energy > energy.max() + threshold_db)
    if loud.size == 0:
        return x[:0]
    return x[max(0, loud[0] - 5) * hop : (loud[-1] + 5) * hop]


def prompts(speaker: Speaker, cache: Path = DEFAULT_CACHE) -> list[Path]:
    files = sorted(fetch(speaker, cache).glob(f"*.{speaker.extension}"))
    files = [f for f in files if not any(word in f.name for word in _NOT_SPEECH)]
    np.random.default_rng(0).shuffle(files)  # type: ignore[arg-type]
    return files


def take(files: list[Path], seconds: float, start: int = 0) -> tuple[FloatArray, int]:
    """`seconds` of joined prompts from `files[start:]`; returns the audio and the next index."""
    pause = np.zeros(int(0.15 * RATE), np.float32)
    parts: list[FloatArray] = []
    total = 0
    index = start
    while total < seconds * RATE and index < len(files):
        prompt = trim(decode(files[index]))
        index += 1
        if len(prompt) >= 0.3 * RATE:
            parts += [prompt, pause]
            total += len(prompt) + len(pause)
    return np.concatenate(parts)[: int(seconds * RATE)], index
