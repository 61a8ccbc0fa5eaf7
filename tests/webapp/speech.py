"""A WAV of synthetic English speech for Chromium's fake microphone, made offline with espeak-ng.

The voice checks want 30–60 s of speech-like audio; the file is longer than any recording the
test makes (Chromium loops it), with short natural pauses between sentences.
"""

from __future__ import annotations

import ctypes
import wave
from pathlib import Path

import espeakng_loader
import numpy as np

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

_SYNCHRONOUS = 0x02
_UTF8 = 1
_RATE = 1
_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


def synthesise(out: Path, min_seconds: float = 40.0) -> float:
    """Write mono 16-bit speech of at least `min_seconds`; returns its duration."""
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.restype = ctypes.c_int
    rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, str(espeakng_loader.get_data_path()).encode(), 0)
    assert rate > 0, "espeak-ng did not initialise"
    chunks: list[np.ndarray] = []

    def on_audio(samples: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0 and samples:
            chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0

    callback = _Callback(on_audio)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetVoiceByName(b"en-us")
    lib.espeak_SetParameter(_RATE, 150, 0)
    pause = np.zeros(int(rate * 0.35), dtype=np.int16)
    pieces: list[np.ndarray] = []
    total = 0
    while total < min_seconds * rate:
        for sentence in SENTENCES:
            chunks.clear()
            data = sentence.encode() + b"\0"
            lib.espeak_Synth(data, len(data), 0, 0, 0, _UTF8, None, None)
            lib.espeak_Synchronize()
            pieces.extend([*chunks, pause])
            total += sum(len(c) for c in chunks) + len(pause)
    samples = np.concatenate(pieces)
    with wave.open(str(out), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    return len(samples) / rate
