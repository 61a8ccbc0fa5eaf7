"""Gemini through the official `google-genai` SDK (async client).

SDK facts this adapter relies on (google-genai 3.6, checked against the emulator):
- `api_version` is pinned to v1beta; the SDK's default is v1.
- `HttpOptions.timeout` is in milliseconds.
- `retry_options` is always explicit: unset, the aiohttp backend retries on its own.
- Thinking counts against `max_output_tokens`, so the budget is set (0 = off) and added to it.
- `response.text` is None, not an exception, for blocked prompts, SAFETY stops and empty
  candidates, and holds the truncated text on MAX_TOKENS: the finish reason is checked.
- HTTP errors are `errors.ClientError`/`errors.ServerError`; timeouts and refused
  connections are the HTTP client's own `TransportError`s, not `APIError`.
"""

from __future__ import annotations

from typing import Final

import httpx
import httpx2
import structlog
from google import genai
from google.genai import errors, types

from newvisions.content.exceptions import ThoughtProviderUnavailable, UnusableThought
from newvisions.content.prompt_builder import build_prompt
from newvisions.content.providers.base import ThoughtRequest

log = structlog.get_logger(__name__)

API_VERSION: Final = "v1beta"
NOTE_TOKENS: Final = 120  # a 160-character note is ~40-60 tokens in every supported language
_SAFETY: Final = tuple(
    types.SafetySetting(category=category, threshold=types.HarmBlockThreshold.BLOCK_LOW_AND_ABOVE)
    for category in (
        types.HarmCategory.HARM_CATEGORY_HARASSMENT,
        types.HarmCategory.HARM_CATEGORY_HATE_SPEECH,
        types.HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT,
        types.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT,
    )
)
_CONFIGURATION_ERRORS: Final = frozenset({400, 401, 403, 404})
_TRANSPORT_ERRORS: Final = (httpx.TransportError, httpx2.TransportError)


class GeminiThoughtProvider:
    name = "gemini"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout_s: float = 3.0,
        http_attempts: int = 1,
        thinking_budget: int = 0,
        temperature: float = 1.0,
    ) -> None:
        self.model = model
        self._thinking_budget = thinking_budget
        self._temperature = temperature
        self._client = genai.Client(
            api_key=api_key,
            http_options=types.HttpOptions(
                base_url=base_url,
                api_version=API_VERSION,
                timeout=int(timeout_s * 1000),
                retry_options=types.HttpRetryOptions(
                    attempts=http_attempts, initial_delay=0.2, max_delay=1.0, jitter=0.2
                ),
            ),
        )

    def _config(self, system: str) -> types.GenerateContentConfig:
        return types.GenerateContentConfig(
            system_instruction=system,
            temperature=self._temperature,
            top_p=0.95,
            candidate_count=1,
            max_output_tokens=NOTE_TOKENS + self._thinking_budget,
            thinking_config=types.ThinkingConfig(thinking_budget=self._thinking_budget),
            safety_settings=list(_SAFETY),
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            automatic_continuation=False,
        )

    async def generate(self, request: ThoughtRequest) -> str:
        prompt = build_prompt(request)
        try:
            response = await self._client.aio.models.generate_content(
                model=self.model, contents=prompt.user, config=self._config(prompt.system)
            )
        except errors.APIError as exc:
            # 429 quota, 5xx outage, 400/403/404 configuration (bad key, unknown model).
            # Configuration errors need a person; the rest passes with time.
            report = log.error if exc.code in _CONFIGURATION_ERRORS else log.warning
            report(
                "content.gemini.http_error", code=exc.code, status=exc.status, message=exc.message
            )
            raise ThoughtProviderUnavailable(f"http_{exc.code}") from exc
        except _TRANSPORT_ERRORS as exc:
            log.warning("content.gemini.transport_error", error=type(exc).__name__)
            raise ThoughtProviderUnavailable(f"transport:{type(exc).__name__}") from exc
        return _note_text(response)

    async def aclose(self) -> None:
        await self._client.aio.aclose()


def _note_text(response: types.GenerateContentResponse) -> str:
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        # The same prompt would be blocked again: no point in retrying.
        raise ThoughtProviderUnavailable(f"prompt_blocked:{feedback.block_reason.value}")
    if not response.candidates:
        raise UnusableThought("no_candidates")
    finish = response.candidates[0].finish_reason
    if finish is not types.FinishReason.STOP:
        reason = finish.value if finish is not None else "none"
        raise UnusableThought(f"finish_reason:{reason}")
    text = response.text
    if not text or not text.strip():
        raise UnusableThought("empty_text")
    return text
