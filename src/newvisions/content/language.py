"""Is this note in the expected language? lingua, restricted to the six note languages.

The detector ships its models inside the wheel (nothing is downloaded) but takes about 1.2 s
and ~190 MB to build, so it is built once per process, lazily, in a worker thread — and the
app warms it in a background thread at startup so the first perform does not pay for it.
Policy (docs/decisions): a note passes when the expected language's confidence is at least
0.2; "top guess equals expected" rejected good Spanish notes as Portuguese.
"""

from __future__ import annotations

import threading
from typing import Final

import anyio.to_thread
import structlog
from lingua import Language as LinguaLanguage
from lingua import LanguageDetector, LanguageDetectorBuilder

from newvisions.users.schemas import Language

log = structlog.get_logger(__name__)

MIN_CONFIDENCE: Final = 0.2
_LINGUA: Final[dict[Language, LinguaLanguage]] = {
    "en": LinguaLanguage.ENGLISH,
    "es": LinguaLanguage.SPANISH,
    "fr": LinguaLanguage.FRENCH,
    "de": LinguaLanguage.GERMAN,
    "it": LinguaLanguage.ITALIAN,
    "pt": LinguaLanguage.PORTUGUESE,
}

_lock = threading.Lock()
_detector: LanguageDetector | None = None


def detector() -> LanguageDetector:
    """The process-wide detector; the first call builds it (blocking, ~1.2 s)."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = (
                    LanguageDetectorBuilder.from_languages(*_LINGUA.values())
                    .with_preloaded_language_models()
                    .build()
                )
                log.info("content.language_detector.loaded")
    return _detector


def is_loaded() -> bool:
    return _detector is not None


def warm_in_background() -> threading.Thread:
    """Start building the detector in a daemon thread (called from the app's startup)."""
    thread = threading.Thread(target=detector, name="lingua-warmup", daemon=True)
    thread.start()
    return thread


async def ensure_loaded() -> None:
    """Build the detector off the event loop if nobody has yet."""
    if _detector is None:
        await anyio.to_thread.run_sync(detector)


def is_language(text: str, language: Language) -> bool:
    """True unless the expected language is clearly unlikely (call `ensure_loaded` first)."""
    if not text.strip():
        return True
    return detector().compute_language_confidence(text, _LINGUA[language]) >= MIN_CONFIDENCE
