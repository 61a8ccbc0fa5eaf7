"""Speak English with espeak-ng (through espeakng-loader) and save 16 kHz float32 samples.

Run as a separate process (`python -m tests.voice_cloning.recording.espeak_speech OUT.npy SECONDS`):
espeak-ng is one global state per process (one voice, one callback), and this keeps the test
fixtures from sharing it with any speech engine the product itself loads.
"""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import av
import numpy as np

_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

_TEXT = (
    "Last night I had the strangest dream. I was walking along an empty beach at dawn, "
    "and the sand was covered with playing cards. One of them was glowing, so I picked it "
    "up and turned it over. Then I woke up, and I could still hear the waves. "
    "My grandmother always said that dreams are letters we forget to open. "
    "I wrote this one down before breakfast, because it felt important somehow. "
)


def speak(seconds: float, rate: int = 16_000) -> np.ndarray:
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    source_rate = lib.espeak_Initialize(
        _SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
    )
    chunks: list[np.ndarray] = []

    def collect(wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    callback = _CALLBACK(collect)  # kept alive until synthesis is over
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetVoiceByName(b"en-us+m3")
    lib.espeak_SetParameter(_RATE, 165, 0)
    lib.espeak_SetParameter(_PITCH, 45, 0)
    while sum(len(c) for c in chunks) < seconds * source_rate:
        data = _TEXT.encode()
        lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
    pcm = (np.concatenate(chunks).astype(np.float32) / 32768.0).reshape(1, -1)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    frame = av.AudioFrame.from_ndarray(pcm, format="flt", layout="mono")
    frame.sample_rate = source_rate
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    samples = np.concatenate(out)[: int(seconds * rate)]
    return (samples * (0.5 / float(np.max(np.abs(samples))))).astype(np.float32)


if __name__ == "__main__":
    np.save(Path(sys.argv[1]), speak(float(sys.argv[2])))
