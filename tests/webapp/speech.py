"""A WAV of synthetic English speech for Chromium's fake microphone, made offline with espeak-ng.

The voice checks want 30–60 s of speech-like audio; the file is longer than any recording the
test makes (Chromium loops it), with short natural pauses between sentences.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from newvisions.voice_cloning.providers.offline.espeak import EspeakLibrary

SENTENCES = (
    "Last night I had the strangest dream.",
    "I was walking through an old house by the sea, and every room was full of clocks.",
    "Each clock showed a different time, and none of them agreed with the others.",
    "Someone I could not see kept calling my name from somewhere upstairs.",
    "Whenever I climbed the stairs, the voice moved one floor higher.",
    "In the kitchen there was a table set for dinner, with a playing card on every plate.",
    "I remember the smell of rain and a radio playing an old song very quietly.",
    "When I woke up, I wrote everything down, because it felt important.",
    "It was as if the house was trying to tell me something about the evening ahead.",
    "I still think about it sometimes, usually when I hear a clock ticking in a quiet room.",
)


def synthesise(out: Path, min_seconds: float = 40.0) -> float:
    """Write mono 16-bit speech of at least `min_seconds`; returns its duration.

    Through the process's one espeak-ng instance: initialising the library a second time in
    the same process would leave it calling back into a function freed when this returns,
    and the next user of espeak-ng (the offline voice engine) would crash.
    """
    espeak = EspeakLibrary.get()
    rate = espeak.sample_rate
    pause = np.zeros(int(rate * 0.35), dtype=np.float32)
    pieces: list[np.ndarray] = []
    total = 0
    while total < min_seconds * rate:
        for sentence in SENTENCES:
            spoken = espeak.speak(sentence, "en-us", 150, 50)
            pieces.extend([spoken, pause])
            total += len(spoken) + len(pause)
    samples = np.clip(np.concatenate(pieces), -1.0, 1.0)
    with wave.open(str(out), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((samples * 32767).astype("<i2").tobytes())
    return len(samples) / rate
