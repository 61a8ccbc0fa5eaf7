"""Write one note: provider → checks → bounded retries → the offline composer as the last word.

`NoteWriter.write_note` is the single entry point (the preview route and perform use it). It
never returns a note that failed a check: whatever a provider does, the composer's note is
there, and the composer only keeps notes that pass the same reveal check.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from dataclasses import replace
from typing import Annotated, Final, Protocol

import anyio
import structlog
from fastapi import Depends, Request
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.config.settings import Settings, ThoughtProviderName
from newvisions.content import content_filter, language
from newvisions.content.exceptions import (
    NoteUnavailable,
    ThoughtProviderUnavailable,
    UnusableThought,
)
from newvisions.content.phrasebank.types import ValueKind
from newvisions.content.providers.base import ThoughtProvider, ThoughtRequest
from newvisions.content.providers.offline import OfflineThoughtProvider
from newvisions.content.repository import LastNoteRepository
from newvisions.content.reveal import reveal_check
from newvisions.content.routines import Routine, SpokenValue, parse_routine, speak_value
from newvisions.content.schemas import Note
from newvisions.users.schemas import Language

log = structlog.get_logger(__name__)

# Values typed freely are filtered; cards, numbers, signs and years come from fixed words.
FREE_TEXT_KINDS: Final = frozenset({ValueKind.NAME, ValueKind.TITLE, ValueKind.THING})
NOTES_WRITTEN: Final = Counter(
    "nv_notes_written_total",
    "Notes written, by the provider that wrote them and whether a remote provider was replaced.",
    ["provider", "fell_back"],
)
_QUOTES: Final = "\"'“”«»„`"


class LastNoteStore(Protocol):
    """Where a user's last note is kept, so the next one never repeats it."""

    async def previous(self) -> str | None: ...

    async def remember(self, text: str) -> None: ...


class NoteMemory:
    """A user's last note in the database: every worker sees it, it goes with the account."""

    def __init__(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        self._repository = LastNoteRepository(session)
        self._user_id = user_id

    async def previous(self) -> str | None:
        return await self._repository.get(self._user_id)

    async def remember(self, text: str) -> None:
        await self._repository.remember(self._user_id, text)


class TransactionalNoteMemory:
    """The same memory in short transactions of its own, for callers that hold no session
    across slow work (a perform must not keep a write transaction open while it speaks)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID) -> None:
        self._sessionmaker = sessionmaker
        self._user_id = user_id

    async def previous(self) -> str | None:
        async with self._sessionmaker() as session:
            return await NoteMemory(session, self._user_id).previous()

    async def remember(self, text: str) -> None:
        async with self._sessionmaker.begin() as session:
            await NoteMemory(session, self._user_id).remember(text)


def build_provider(settings: Settings) -> ThoughtProvider:
    if settings.thought_provider is ThoughtProviderName.gemini:
        from newvisions.content.providers.gemini import GeminiThoughtProvider

        if settings.gemini_api_key is None or settings.gemini_model is None:  # the validator
            raise RuntimeError("the gemini provider needs an API key and a model")
        return GeminiThoughtProvider(
            api_key=settings.gemini_api_key.get_secret_value(),
            model=settings.gemini_model,
            base_url=settings.gemini_base_url or None,
            timeout_s=settings.gemini_timeout_s,
            http_attempts=settings.gemini_http_attempts,
            thinking_budget=settings.gemini_thinking_budget,
        )
    return OfflineThoughtProvider()


def _tidy(candidate: str) -> str:
    """Whitespace collapsed and wrapping quotes dropped: what a model adds around a note."""
    text = re.sub(r"\s+", " ", candidate).strip()
    if len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


class NoteWriter:
    """One per app: holds the configured provider and the offline composer."""

    def __init__(self, settings: Settings, provider: ThoughtProvider | None = None) -> None:
        self.settings = settings
        self.provider = provider if provider is not None else build_provider(settings)
        self.composer = OfflineThoughtProvider()

    @property
    def uses_remote_provider(self) -> bool:
        return self.provider.name != self.composer.name

    async def aclose(self) -> None:
        await self.provider.aclose()

    def problems(
        self, note: str, value: SpokenValue, previous: str | None, *, check_language: bool = True
    ) -> tuple[str, ...]:
        """Every check a note must pass; empty when the note may be spoken.

        The language rule needs the detector loaded (`language.ensure_loaded`); composed notes
        skip it, as the banks are written in their language and tested against the detector.
        """
        detect = check_language and language.is_loaded()
        found = list(
            reveal_check(
                note,
                value,
                is_language=language.is_language if detect else None,
                min_chars=self.settings.note_min_chars,
                max_chars=self.settings.note_max_chars,
            ).problems
        )
        if not content_filter.is_allowed(note):
            found.append("content_filter")
        if previous is not None and note == previous:
            found.append("repeats_previous_note")
        return tuple(found)

    def check_value(
        self, routine: Routine | str, value: str, language_code: Language
    ) -> SpokenValue:
        """The value as it will be spoken, or the error `write_note` would raise for it
        (`UnknownRoutine`, `InvalidValue`, `ValueNotAllowed`) — cheap, nothing is called."""
        spoken = speak_value(parse_routine(routine), value, language_code)
        if spoken.kind in FREE_TEXT_KINDS:
            content_filter.ensure_allowed(spoken.text)
        return spoken

    async def write_note(
        self,
        routine: Routine | str,
        value: str,
        language_code: Language,
        *,
        memory: LastNoteStore | None = None,
        seed: int | str | None = None,
    ) -> Note:
        """A checked note naming `value`. Raises `UnknownRoutine`, `InvalidValue`,
        `ValueNotAllowed`, or (only for free text that fits no note) `NoteUnavailable`."""
        started = time.perf_counter()
        spoken = self.check_value(routine, value, language_code)
        previous = await memory.previous() if memory is not None else None
        request = ThoughtRequest(
            value=spoken,
            # Not for secrets: a seed makes a note reproducible.
            rng=random.Random(seed),  # noqa: S311
            previous_note=previous,
            target_chars=(self.settings.note_target_min_chars, self.settings.note_target_max_chars),
            bounds_chars=(self.settings.note_min_chars, self.settings.note_max_chars),
        )
        text: str | None = None
        fallback_reason: str | None = None
        provider_name = self.provider.name
        if self.uses_remote_provider:
            text, fallback_reason = await self._from_provider(request)
        if text is None:
            provider_name = self.composer.name
            text = await self.composer.generate(request)
            # The composer keeps only passing notes; checked again so the guarantee has one home.
            if self.problems(text, spoken, previous, check_language=False):
                raise NoteUnavailable()
        if memory is not None:
            await memory.remember(text)
        NOTES_WRITTEN.labels(provider_name, str(fallback_reason is not None).lower()).inc()
        log.info(
            "content.note.written",
            routine=spoken.routine.value,
            language=spoken.language,
            provider=provider_name,
            fallback_reason=fallback_reason,
            chars=len(text),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return Note(text=text, spoken_value=spoken.text, provider=provider_name)

    async def _from_provider(self, request: ThoughtRequest) -> tuple[str | None, str | None]:
        """(note, None) from the remote provider, or (None, why it was not used)."""
        reason = "no_attempt"
        try:
            with anyio.fail_after(self.settings.thought_deadline_s):
                await language.ensure_loaded()  # ~1.2 s once per process, in a thread
                for attempt in range(1, self.settings.thought_attempts + 1):
                    try:
                        candidate = await self.provider.generate(replace(request, attempt=attempt))
                    except UnusableThought as exc:
                        reason = exc.reason
                    else:
                        note = _tidy(candidate)
                        found = self.problems(note, request.value, request.previous_note)
                        if not found:
                            return note, None
                        reason = "rejected:" + ",".join(found)
                    log.info(
                        "content.note.candidate_rejected",
                        provider=self.provider.name,
                        attempt=attempt,
                        reason=reason,
                    )
        except ThoughtProviderUnavailable as exc:
            reason = exc.reason
        except TimeoutError:
            reason = "deadline"
        except Exception:  # a provider bug must not cost the trick: the composer steps in
            log.exception("content.provider.failed", provider=self.provider.name)
            reason = "provider_error"
        log.warning("content.note.fallback", provider=self.provider.name, reason=reason)
        return None, reason


def note_writer(request: Request) -> NoteWriter:
    writer: NoteWriter = request.app.state.note_writer
    return writer


NoteWriterDep = Annotated[NoteWriter, Depends(note_writer)]
