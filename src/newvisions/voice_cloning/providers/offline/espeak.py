"""espeak-ng through the shared library that `espeakng-loader` ships (ctypes, no subprocess).

The library is process-global state: one current voice, one audio callback. Every use goes
through `EspeakLibrary.lock`, so concurrent threads take turns instead of mixing their audio.
"""

from __future__ import annotations

import ctypes
import threading
from typing import ClassVar

import espeakng_loader
import numpy as np

from newvisions.voice_cloning.world import FloatArray

_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
_PARAM_RANGE = 4
_CALLBACK_CONTINUE = 0
_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class EspeakUnavailable(RuntimeError):
    pass


def _bind(lib: ctypes.CDLL) -> None:
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
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
    lib.espeak_Synth.restype = ctypes.c_int


class EspeakLibrary:
    """The one espeak-ng instance of this process."""

    _instance: ClassVar[EspeakLibrary | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        _bind(lib)
        data_path = str(espeakng_loader.get_data_path()).encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0)
        if rate <= 0:
            raise EspeakUnavailable("espeak-ng failed to initialise")
        self.sample_rate = int(rate)
        self.lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        # C keeps only a raw pointer: hold the callback object or it is garbage-collected.
        self._callback = _SynthCallback(self._on_audio)
        lib.espeak_SetSynthCallback(self._callback)
        self._lib = lib

    @classmethod
    def get(cls) -> EspeakLibrary:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _on_audio(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return _CALLBACK_CONTINUE

    def speak(self, text: str, voice: str, words_per_minute: int, pitch_range: int) -> FloatArray:
        """Float32 samples at `sample_rate`; `pitch_range` 0 (monotone) to 100."""
        with self.lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EspeakUnavailable(f"espeak-ng has no voice {voice!r}")
            self._lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
            self._lib.espeak_SetParameter(_PARAM_RANGE, pitch_range, 0)
            self._chunks = []
            data = text.encode("utf-8") + b"\0"
            status = self._lib.espeak_Synth(data, len(data), 0, 0, 0, _CHARS_UTF8, None, None)
            if status != 0:
                raise EspeakUnavailable(f"espeak-ng synthesis failed with status {status}")
            self._lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return (np.concatenate(chunks).astype(np.float32) / 32768.0).astype(np.float32)
