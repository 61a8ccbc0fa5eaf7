"""A Gemini API emulator: an ASGI app speaking `POST /v1beta/models/{model}:generateContent`.

It answers with the real response JSON and can be told to misbehave the ways the real
service does: a blocked prompt (`promptFeedback.blockReason`), a SAFETY or MAX_TOKENS stop,
an empty answer, a note that breaks the rules, `{"error": {...}}` bodies with 429/500/503, or
no answer at all (a hang, for timeouts). Faults are queued and served in order; with none
queued, each request draws a fault at the configured random rates (seeded), and otherwise it
writes a plausible note naming the value found in the prompt.

Run it with `newvisions emulate gemini --port N`; control it over HTTP
(`POST /emulator/faults {"faults": ["http_503", "ok"]}`,
`POST /emulator/faults/random {"rates": {"http_503": 0.1, "hang": 0.05}, "seed": 1}`,
`GET /emulator/requests`, `POST /emulator/reset`) or, in the same process, through
`GeminiEmulator`'s methods.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from newvisions.content.prompt_builder import LANGUAGE_LINE_PREFIX, VALUE_LINE_PREFIX


class Fault(StrEnum):
    ok = "ok"
    prompt_blocked = "prompt_blocked"
    safety = "safety"
    max_tokens = "max_tokens"
    empty = "empty"
    invalid_note = "invalid_note"
    http_429 = "http_429"
    http_500 = "http_500"
    http_503 = "http_503"
    hang = "hang"


_NOTES: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "Okay, so I had the strangest dream about {v} last night, and I still can't shake it.",
        "Just woke up and all I can think about is {v}. No idea why, it felt so real.",
    ),
    "es": (
        "Bueno, anoche soñé con {v} y todavía no me lo puedo quitar de la cabeza.",
        "Acabo de despertarme y solo pienso en {v}. No sé por qué, parecía tan real.",
    ),
    "fr": (
        "Bon, cette nuit, dans mon rêve, quelqu'un répétait {v} sans arrêt, c'est fou.",
        "Je viens de me réveiller et j'ai encore {v} en tête, je ne sais pas pourquoi.",
    ),
    "de": (
        "Also, im Traum hat jemand die ganze Zeit {v} gesagt, total seltsam, ehrlich.",
        "Bin gerade aufgewacht und hab immer noch {v} im Kopf, keine Ahnung warum.",
    ),
    "it": (
        "Allora, stanotte nel sogno qualcuno ripeteva {v} di continuo, che strano.",
        "Ho appena aperto gli occhi e ho ancora in testa {v}, non so proprio perché.",
    ),
    "pt": (
        "Então, essa noite sonhei com {v} e não consigo parar de pensar nisso.",
        "Acabei de acordar e só tenho {v} na cabeça, não sei por quê, parecia tão real.",
    ),
}
_RULE_BREAKING_NOTE: Final = "I dreamt about a playing card last night, weird, right? So weird."
_NO_VALUE_NOTE: Final = "I had a strange dream last night and I cannot remember a thing about it."
_ERRORS: Final[dict[Fault, tuple[int, str, str]]] = {
    Fault.http_429: (429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    Fault.http_500: (500, "INTERNAL", "Internal error encountered."),
    Fault.http_503: (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
}
_SAFETY_RATINGS: Final = [
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM", "blocked": True}
]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    model: str
    api_key: str | None
    body: dict[str, Any]
    fault: Fault


def error_body(code: int, status: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "status": status}}, status_code=code
    )


class GeminiEmulator:
    """The emulator's state and its ASGI app (`.app`)."""

    def __init__(self, *, api_key: str | None = None, hang_s: float = 30.0) -> None:
        self.api_key = api_key
        self.hang_s = hang_s
        self._lock = threading.Lock()  # tests queue faults from another thread
        self._faults: deque[Fault] = deque()
        self._rates: dict[Fault, float] = {}
        self._rng = random.Random(0)  # noqa: S311 - fault patterns, not secrets
        self._requests: list[RecordedRequest] = []
        self.app = Starlette(
            routes=[
                Route("/v1beta/models/{target}", self._generate, methods=["POST"]),
                Route("/emulator/faults", self._queue_faults, methods=["POST"]),
                Route("/emulator/faults/random", self._set_rates, methods=["POST"]),
                Route("/emulator/requests", self._list_requests, methods=["GET"]),
                Route("/emulator/reset", self._reset, methods=["POST"]),
                Route("/{path:path}", self._not_found, methods=["GET", "POST"]),
            ]
        )

    # ---- control

    def queue(self, *faults: Fault | str) -> None:
        with self._lock:
            self._faults.extend(Fault(fault) for fault in faults)

    def set_rates(self, rates: dict[Fault, float] | dict[str, float], *, seed: int = 0) -> None:
        """Serve each fault to about `rate` of the requests (when none is queued), drawn from
        a generator seeded with `seed`; an empty mapping turns random faults off."""
        parsed = {Fault(fault): float(rate) for fault, rate in rates.items()}
        if any(rate < 0 for rate in parsed.values()) or sum(parsed.values()) > 1:
            raise ValueError("rates must be at least 0 and add up to at most 1")
        with self._lock:
            self._rates = parsed
            self._rng = random.Random(seed)  # noqa: S311 - fault patterns, not secrets

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rates = {}
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def _next_fault(self) -> Fault:
        with self._lock:
            if self._faults:
                return self._faults.popleft()
            if self._rates:
                draw = self._rng.random()
                for fault, rate in self._rates.items():
                    if draw < rate:
                        return fault
                    draw -= rate
            return Fault.ok

    async def _queue_faults(self, request: Request) -> JSONResponse:
        payload = await request.json()
        try:
            self.queue(*payload["faults"])
        except (KeyError, TypeError, ValueError):
            return error_body(400, "INVALID_ARGUMENT", f"faults must be a list of {list(Fault)}")
        return JSONResponse({"queued": len(payload["faults"])})

    async def _set_rates(self, request: Request) -> JSONResponse:
        payload = await request.json()
        try:
            self.set_rates(payload["rates"], seed=int(payload.get("seed", 0)))
            if "hang_s" in payload:
                self.hang_s = float(payload["hang_s"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return error_body(
                400,
                "INVALID_ARGUMENT",
                f"rates must map faults of {list(Fault)} to fractions adding up to at most 1",
            )
        return JSONResponse({"rates": {fault.value: rate for fault, rate in self._rates.items()}})

    async def _list_requests(self, _request: Request) -> JSONResponse:
        recorded = self.requests
        return JSONResponse({"count": len(recorded), "faults": [r.fault.value for r in recorded]})

    async def _reset(self, _request: Request) -> JSONResponse:
        self.reset()
        return JSONResponse({"reset": True})

    # ---- the API

    async def _not_found(self, request: Request) -> JSONResponse:
        # Also what an SDK left on its default api_version (v1) gets here.
        return error_body(404, "NOT_FOUND", f"Path {request.url.path} is not found.")

    async def _generate(self, request: Request) -> JSONResponse:
        model, _, method = request.path_params["target"].partition(":")
        if method != "generateContent":
            return error_body(404, "NOT_FOUND", f"Method {method!r} is not found.")
        api_key = request.headers.get("x-goog-api-key")
        if self.api_key is not None and api_key != self.api_key:
            return error_body(
                400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."
            )
        try:
            body = json.loads(await request.body())
            prompt = "\n".join(
                part["text"] for content in body["contents"] for part in content["parts"]
            )
        except (ValueError, KeyError, TypeError):
            return error_body(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        fault = self._next_fault()
        with self._lock:
            index = len(self._requests)
            self._requests.append(RecordedRequest(model, api_key, body, fault))
        if fault in _ERRORS:
            return error_body(*_ERRORS[fault])
        if fault is Fault.hang:
            await anyio.sleep(self.hang_s)
        return JSONResponse(self._answer(fault, prompt, body, model, index))

    def _answer(
        self, fault: Fault, prompt: str, body: dict[str, Any], model: str, index: int
    ) -> dict[str, Any]:
        usage: dict[str, Any] = {"promptTokenCount": len(prompt.split())}
        thinking = body.get("generationConfig", {}).get("thinkingConfig", {})
        budget = thinking.get("thinking_budget", thinking.get("thinkingBudget"))
        if budget:
            usage["thoughtsTokenCount"] = int(budget)
        answer: dict[str, Any] = {
            "usageMetadata": usage,
            "modelVersion": model,
            "responseId": f"emulated-{index}",
        }
        if fault is Fault.prompt_blocked:
            answer["promptFeedback"] = {"blockReason": "SAFETY", "safetyRatings": _SAFETY_RATINGS}
            return answer
        if fault is Fault.safety:
            answer["candidates"] = [
                {"finishReason": "SAFETY", "index": 0, "safetyRatings": _SAFETY_RATINGS}
            ]
            return answer
        text = _note_for(prompt, index)
        if fault is Fault.invalid_note:
            text = _RULE_BREAKING_NOTE
        elif fault is Fault.empty:
            text = ""
        elif fault is Fault.max_tokens:
            text = " ".join(text.split()[:4])
        finish = "MAX_TOKENS" if fault is Fault.max_tokens else "STOP"
        answer["candidates"] = [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": finish,
                "index": 0,
            }
        ]
        usage["candidatesTokenCount"] = len(text.split())
        usage["totalTokenCount"] = usage["promptTokenCount"] + len(text.split())
        return answer


def _note_for(prompt: str, index: int) -> str:
    """A plausible note naming the value the prompt asks for (varies with the request count)."""
    value = re.search(re.escape(VALUE_LINE_PREFIX) + r'"(.+)"', prompt)
    code = re.search(re.escape(LANGUAGE_LINE_PREFIX) + r"(\w\w)", prompt)
    if value is None:
        return _NO_VALUE_NOTE
    templates = _NOTES.get(code.group(1) if code else "en", _NOTES["en"])
    return templates[index % len(templates)].format(v=value.group(1))
