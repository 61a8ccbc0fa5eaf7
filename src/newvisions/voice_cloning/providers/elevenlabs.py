"""ElevenLabs behind `VoiceProvider`, through the official SDK's async client.

What the SDK does by default and why this adapter overrides it:
- It retries every request on 5xx/408/409/429, POSTs included, and a retried multipart
  `voices/add` goes out without its form fields. Every call here passes `max_retries=0`; safe
  calls are retried by `_call` with a short backoff, and creation is retried idempotently (the
  voice name is looked up before creating again, because a failed create may have worked).
- Its `api_key` default is read from the environment when the SDK is imported: the key from
  our settings is always passed explicitly.
- Its timeout applies to each socket operation, not to the call: every call runs inside
  `asyncio.timeout` with the deadline from settings.
- `text_to_speech.convert` is a lazy async generator whose errors appear while iterating: the
  audio is joined completely inside the deadline, so the caller can delete the voice after.
- Errors arrive as `ApiError` with `.status_code` and the parsed body; the vendor's reason is
  `body["detail"]["status"]`. They are translated to our AppErrors here and nowhere else.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import httpx
import numpy as np
import structlog
from elevenlabs import AsyncElevenLabs, VoiceSettings
from elevenlabs.core.api_error import ApiError
from elevenlabs.core.request_options import RequestOptions
from elevenlabs.types import GetVoicesV2Response

from newvisions.config.settings import Settings
from newvisions.utils.errors import AppError
from newvisions.voice_cloning.exceptions import (
    ProviderQuotaExceeded,
    VoiceLimitReached,
    VoiceNotFound,
    VoiceProviderUnavailable,
)
from newvisions.voice_cloning.providers.base import (
    ProviderVoice,
    Speech,
    SpeechRequest,
    VoiceCapacity,
    VoiceSample,
)

log = structlog.get_logger(__name__)

T = TypeVar("T")

OUTPUT_FORMAT: Final = "pcm_24000"  # raw s16le mono: no decoding step before memo rendering
OUTPUT_SAMPLE_RATE: Final = 24_000
# `language_code` is rejected or ignored by these models (the SDK documents multilingual_v2).
MODELS_WITHOUT_LANGUAGE_CODE: Final = frozenset(
    {"eleven_multilingual_v2", "eleven_multilingual_v1", "eleven_monolingual_v1"}
)
NO_SDK_RETRIES: Final[RequestOptions] = {"max_retries": 0}
# The SDK streams audio in 1 KiB chunks by default: ~430 trips through its generators for a
# 9-second memo. 64 KiB reads keep the whole download to a handful.
SPEECH_REQUEST_OPTIONS: Final[RequestOptions] = {"max_retries": 0, "chunk_size": 64 * 1024}
SEARCH_PAGE_SIZE: Final = 100
MAX_BACKOFF_S: Final = 2.0  # a spectator is waiting: never sleep long between attempts
VOICE_DESCRIPTION: Final = "Temporary New Visions voice; deleted after one perform."
_EXTENSIONS: Final = {
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/webm": "webm",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "audio/flac": "flac",
}


def vendor_status(exc: ApiError) -> str | None:
    """`body["detail"]["status"]`, when the body has that shape (it may be a list or text)."""
    body = exc.body
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, dict):
            status = detail.get("status")
            return status if isinstance(status, str) else None
    return None


def _is_transient(exc: BaseException) -> bool:
    """Worth another attempt: busy, a server error, a timeout or a broken connection."""
    if isinstance(exc, ApiError):
        return exc.status_code is not None and (exc.status_code == 429 or exc.status_code >= 500)
    return isinstance(exc, TimeoutError | httpx.TransportError)


def _is_not_found(exc: BaseException) -> bool:
    if not isinstance(exc, ApiError):
        return False
    return exc.status_code == 404 or vendor_status(exc) == "voice_not_found"


class ElevenLabsVoiceProvider:
    """One instance per app: it owns one connection pool."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        model_id: str,
        request_timeout_s: float,
        create_timeout_s: float,
        synthesis_timeout_s: float,
        delete_timeout_s: float,
        busy_retries: int,
        backoff_s: float = 0.25,
    ) -> None:
        self._http = httpx.AsyncClient(timeout=request_timeout_s, follow_redirects=True)
        self._client = AsyncElevenLabs(
            api_key=api_key,
            base_url=base_url or None,
            timeout=request_timeout_s,
            httpx_client=self._http,
        )
        self._model_id = model_id
        self._create_timeout_s = create_timeout_s
        self._synthesis_timeout_s = synthesis_timeout_s
        self._delete_timeout_s = delete_timeout_s
        self._retries = busy_retries
        self._backoff_s = backoff_s

    @classmethod
    def from_settings(cls, settings: Settings) -> ElevenLabsVoiceProvider:
        if settings.elevenlabs_api_key is None:
            raise ValueError("NV_ELEVENLABS_API_KEY is required when NV_VOICE_PROVIDER=elevenlabs")
        return cls(
            api_key=settings.elevenlabs_api_key.get_secret_value(),
            base_url=settings.elevenlabs_base_url,
            model_id=settings.elevenlabs_model_id,
            request_timeout_s=settings.elevenlabs_request_timeout_s,
            create_timeout_s=settings.elevenlabs_create_timeout_s,
            synthesis_timeout_s=settings.elevenlabs_synthesis_timeout_s,
            delete_timeout_s=settings.elevenlabs_delete_timeout_s,
            busy_retries=settings.elevenlabs_busy_retries,
        )

    @property
    def name(self) -> str:
        return "elevenlabs"

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ VoiceProvider

    async def create_voice(self, name: str, sample: VoiceSample) -> str:
        extension = _EXTENSIONS.get(sample.mime_type, "bin")
        upload = (f"recording.{extension}", sample.audio, sample.mime_type)
        attempts = 1 + self._retries
        for attempt in range(1, attempts + 1):
            try:
                async with asyncio.timeout(self._create_timeout_s):
                    created = await self._client.voices.ivc.create(
                        name=name,
                        files=[upload],
                        description=VOICE_DESCRIPTION,
                        labels={"managed_by": "newvisions"},
                        request_options=NO_SDK_RETRIES,
                    )
            except Exception as exc:
                if not _is_transient(exc):
                    raise self._translate("create_voice", exc) from exc
                # The failed attempt may have created the voice anyway (a 5xx after the work,
                # a timeout while the server went on): look before creating a second one.
                existing = await self._find_after_failure(name, exc)
                if existing is not None:
                    log.info("voice_provider.create_recovered", voice_name=name, attempt=attempt)
                    return existing
                if attempt == attempts:
                    raise self._translate("create_voice", exc) from exc
                await asyncio.sleep(self._backoff(attempt, exc))
                continue
            if created.requires_verification:
                await self.delete_voice(created.voice_id)
                log.error("voice_provider.verification_required", voice_name=name)
                raise VoiceProviderUnavailable(
                    "The voice service wants this voice verified before use; "
                    "it cannot be used for a perform."
                )
            return str(created.voice_id)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def delete_voice(self, voice_id: str) -> None:
        try:
            await self._call(
                "delete_voice",
                self._delete_timeout_s,
                lambda: self._client.voices.delete(voice_id, request_options=NO_SDK_RETRIES),
            )
        except VoiceNotFound:
            return  # already gone (a retried delete whose first attempt worked, or the sweeper)

    async def list_voices(self, prefix: str) -> list[ProviderVoice]:
        voices: list[ProviderVoice] = []
        token: str | None = None
        while True:
            page = await self._call(
                "list_voices", self._delete_timeout_s, self._search_page(prefix, token)
            )
            # `search` is a text match over several fields, not a prefix filter.
            voices.extend(
                ProviderVoice(voice_id=v.voice_id, name=v.name)
                for v in page.voices
                if v.name is not None and v.name.startswith(prefix)
            )
            if not page.has_more or not page.next_page_token:
                return voices
            token = page.next_page_token

    def _search_page(
        self, prefix: str, token: str | None
    ) -> Callable[[], Awaitable[GetVoicesV2Response]]:
        return lambda: self._client.voices.search(
            search=prefix,
            voice_type="personal",
            page_size=SEARCH_PAGE_SIZE,
            next_page_token=token,
            request_options=NO_SDK_RETRIES,
        )

    async def capacity(self) -> VoiceCapacity:
        plan = await self._call(
            "capacity",
            self._delete_timeout_s,
            lambda: self._client.user.subscription.get(request_options=NO_SDK_RETRIES),
        )
        return VoiceCapacity(limit=plan.voice_limit, used=plan.voice_slots_used)

    async def synthesize(self, voice_id: str, request: SpeechRequest) -> Speech:
        voice_settings = VoiceSettings(
            stability=request.stability / 100,
            similarity_boost=request.similarity / 100,
            style=0.0,
            use_speaker_boost=True,
        )
        language: Any = ...  # the SDK's "omit" marker: an explicit None would be sent as null
        if self._model_id not in MODELS_WITHOUT_LANGUAGE_CODE:
            language = request.language

        async def collect() -> bytes:
            stream = self._client.text_to_speech.convert(
                voice_id,
                text=request.text,
                model_id=self._model_id,
                output_format=OUTPUT_FORMAT,
                language_code=language,
                voice_settings=voice_settings,
                request_options=SPEECH_REQUEST_OPTIONS,
            )
            return b"".join([chunk async for chunk in stream])

        audio = await self._call(
            "synthesize", self._synthesis_timeout_s, collect, retry_timeouts=False
        )
        if len(audio) < 2:
            raise VoiceProviderUnavailable("The voice service returned no audio.")
        pcm = np.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2")
        samples = (pcm.astype(np.float32) / 32768.0).astype(np.float32)
        return Speech(samples=samples, sample_rate=OUTPUT_SAMPLE_RATE)

    # ------------------------------------------------------------------ plumbing

    async def _call(
        self,
        operation: str,
        timeout_s: float,
        call: Callable[[], Awaitable[T]],
        *,
        retry_timeouts: bool = True,
    ) -> T:
        """Run one idempotent call with a deadline; retry busy answers and server errors."""
        attempt = 0
        while True:
            attempt += 1
            try:
                async with asyncio.timeout(timeout_s):
                    return await call()
            except Exception as exc:
                retryable = _is_transient(exc) and (
                    retry_timeouts or not isinstance(exc, TimeoutError | httpx.TimeoutException)
                )
                if not retryable or attempt > self._retries:
                    raise self._translate(operation, exc) from exc
                await asyncio.sleep(self._backoff(attempt, exc))

    async def _find_after_failure(self, name: str, cause: BaseException) -> str | None:
        """The id of a voice called exactly `name`, or None; a failed lookup re-raises `cause`."""
        try:
            matches = [v for v in await self.list_voices(name) if v.name == name]
        except AppError as exc:
            # Without an answer a second create could duplicate the voice: give up instead
            # (the ledger row still names the voice, so the sweeper finds it if it exists).
            raise self._translate("create_voice", cause) from exc
        if len(matches) > 1:
            for extra in matches[1:]:
                await self.delete_voice(extra.voice_id)
        return matches[0].voice_id if matches else None

    def _backoff(self, attempt: int, exc: BaseException) -> float:
        if isinstance(exc, ApiError) and exc.headers:
            retry_after = exc.headers.get("retry-after", "")
            if retry_after.isdigit() and int(retry_after) > 0:
                return min(float(retry_after), MAX_BACKOFF_S)
        jitter = 1 + random.uniform(-0.2, 0.2)  # noqa: S311 - spreading retries, not a secret
        return float(min(self._backoff_s * 2 ** (attempt - 1) * jitter, MAX_BACKOFF_S))

    def _translate(self, operation: str, exc: BaseException) -> AppError:
        """The one place where vendor failures become the errors our clients see."""
        if isinstance(exc, AppError):
            return exc
        if isinstance(exc, TimeoutError | httpx.TimeoutException):
            log.warning("voice_provider.timeout", provider=self.name, operation=operation)
            return VoiceProviderUnavailable(
                "The voice service took too long to answer. Please try again in a moment."
            )
        if not isinstance(exc, ApiError):
            log.warning(
                "voice_provider.unreachable",
                provider=self.name,
                operation=operation,
                error=type(exc).__name__,
            )
            return VoiceProviderUnavailable()
        status = vendor_status(exc)
        fields = {
            "provider": self.name,
            "operation": operation,
            "http_status": exc.status_code,
            "vendor_status": status,
        }
        if status == "invalid_api_key":
            log.error("voice_provider.invalid_api_key", **fields)
            return VoiceProviderUnavailable()
        if status == "quota_exceeded":
            log.error("voice_provider.quota_exceeded", **fields)
            return ProviderQuotaExceeded()
        if status == "voice_limit_reached":
            log.warning("voice_provider.voice_limit_reached", **fields)
            return VoiceLimitReached()
        if _is_not_found(exc):
            return VoiceNotFound()
        if exc.status_code == 429:
            log.warning("voice_provider.busy", **fields)
            return VoiceProviderUnavailable(
                "The voice service is busy right now. Please try again in a few seconds.",
                headers={"Retry-After": "5"},
            )
        log.warning("voice_provider.error", **fields)
        return VoiceProviderUnavailable()
