"""Memo rendering: Speech + the performer's settings → an encoded voice-memo file.

Titles follow the style of phone voice-memo apps in each language; the date is the
performer's back-dated `voice_note_date` or today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import anyio.to_thread
import numpy as np

from newvisions.audio.audio_processor import (
    CONTAINERS,
    MemoLayout,
    compose_memo,
    encode_file,
    to_memo_rate,
)
from newvisions.config.settings import AudioFormat
from newvisions.users.schemas import UserSettings
from newvisions.voice_cloning.providers.base import Speech

_MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "es": "ene feb mar abr may jun jul ago sept oct nov dic",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "de": "Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.",
    "it": "gen feb mar apr mag giu lug ago set ott nov dic",
    "pt": "jan. fev. mar. abr. mai. jun. jul. ago. set. out. nov. dez.",
}
_TITLES = {
    "en": "Recording on {day} {month} {year}",
    "es": "Grabación del {day} {month} {year}",
    "fr": "Enregistrement du {day} {month} {year}",
    "de": "Aufnahme vom {day}. {month} {year}",
    "it": "Registrazione del {day} {month} {year}",
    "pt": "Gravação de {day} de {month} de {year}",
}


def default_title(memo_date: date, language: str) -> str:
    """ "Recording on 25 Nov 2026" in the memo's language (English for unknown ones)."""
    language = language if language in _TITLES else "en"
    month = _MONTHS[language].split()[memo_date.month - 1]
    return _TITLES[language].format(day=memo_date.day, month=month, year=memo_date.year)


@dataclass(frozen=True, slots=True)
class MemoSpec:
    """Everything about a memo that is decided before rendering."""

    title: str
    recorded_at: datetime
    fmt: AudioFormat
    background_volume: int | None  # None: no background sound
    target_lufs: float

    @property
    def mime(self) -> str:
        return CONTAINERS[self.fmt].mime

    @property
    def memo_date(self) -> date:
        return self.recorded_at.date()


def memo_spec(
    settings: UserSettings, *, fmt: AudioFormat, target_lufs: float, now: datetime | None = None
) -> MemoSpec:
    """Title, date and mix from the performer's settings.

    A back-dated memo keeps today's time of day, so it looks like it was recorded then.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    memo_date = settings.voice_note_date or now.date()
    recorded_at = datetime.combine(memo_date, now.time().replace(microsecond=0), tzinfo=UTC)
    return MemoSpec(
        title=settings.voice_note_name or default_title(memo_date, settings.voice_language),
        recorded_at=recorded_at,
        fmt=fmt,
        background_volume=settings.background_volume if settings.background_sound else None,
        target_lufs=target_lufs,
    )


def render_memo_file(
    speech: Speech, spec: MemoSpec, path: Path, rng: np.random.Generator | None = None
) -> MemoLayout:
    """Render and encode into `path` (blocking; see `render_memo`)."""
    audio, layout = compose_memo(
        to_memo_rate(speech.samples, speech.sample_rate),
        target_lufs=spec.target_lufs,
        background_volume=spec.background_volume,
        rng=rng or np.random.default_rng(),
    )
    encode_file(audio, path, spec.fmt, title=spec.title, recorded_at=spec.recorded_at)
    return layout


async def render_memo(
    speech: Speech, spec: MemoSpec, path: Path, rng: np.random.Generator | None = None
) -> MemoLayout:
    """`render_memo_file` in a worker thread, so the event loop keeps serving."""
    return await anyio.to_thread.run_sync(render_memo_file, speech, spec, path, rng)
