"""Hand-written phrase banks, one module per note language, and their lookup."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from newvisions.content.phrasebank.types import PhraseBank
from newvisions.utils.validators import SUPPORTED_LANGUAGES


@cache
def bank_for(language: str) -> PhraseBank:
    """The bank for a supported language (module `phrasebank/<language>.py`)."""
    if language not in SUPPORTED_LANGUAGES:
        raise KeyError(f"no phrase bank for {language!r}")
    bank = import_module(f"newvisions.content.phrasebank.{language}").BANK
    if not isinstance(bank, PhraseBank):  # pragma: no cover - a broken bank module
        raise TypeError(f"phrasebank.{language}.BANK is not a PhraseBank")
    return bank


def category_words(language: str) -> frozenset[str]:
    return bank_for(language).category_words
