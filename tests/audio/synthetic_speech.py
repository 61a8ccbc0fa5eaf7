"""A speech-like test signal: voiced syllables with formants, fricatives and pauses.

Good enough to exercise loudness gating, resampling and encoding the way real speech does
(bursty, with true silence between words), without a speech engine.
"""

from __future__ import annotations

import numpy as np

from newvisions.voice_cloning.providers.base import Speech

_FORMANTS_HZ = ((700, 1220, 2600), (300, 2300, 3000), (500, 900, 2400), (400, 1700, 2500))


def synthetic_speech(duration_s: float, sample_rate: int = 24_000, seed: int = 7) -> Speech:
    rng = np.random.default_rng(seed)
    total = int(duration_s * sample_rate)
    out = np.zeros(total, dtype=np.float64)
    pos = int(0.05 * sample_rate)
    while pos < total - int(0.1 * sample_rate):
        for _ in range(int(rng.integers(1, 4))):  # a word of 1–3 syllables
            length = int(rng.uniform(0.12, 0.25) * sample_rate)
            if pos + length >= total:
                break
            t = np.arange(length) / sample_rate
            f0 = rng.uniform(100, 200) * (1 + 0.1 * np.sin(2 * np.pi * 3 * t))
            phase = 2 * np.pi * np.cumsum(f0) / sample_rate
            formants = _FORMANTS_HZ[int(rng.integers(len(_FORMANTS_HZ)))]
            voiced = np.zeros(length)
            for k in range(1, 30):
                freq = float(np.mean(f0)) * k
                if freq > sample_rate / 2 - 500:
                    break
                weight = sum(1 / (1 + ((freq - fm) / 120) ** 2) for fm in formants) / k**0.5
                voiced += weight * np.sin(k * phase)
            voiced *= np.hanning(length)
            if rng.random() < 0.3:  # a fricative onset
                noise = rng.standard_normal(length) * np.exp(-t / 0.04) * 0.3
                voiced += np.diff(noise, prepend=0.0)
            out[pos : pos + length] += voiced
            pos += length
        pos += int(rng.uniform(0.08, 0.3) * sample_rate)  # silence between words
    out *= 0.5 / float(np.max(np.abs(out)))
    return Speech(samples=out.astype(np.float32), sample_rate=sample_rate)
