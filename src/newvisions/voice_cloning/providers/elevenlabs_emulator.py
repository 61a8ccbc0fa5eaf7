"""An emulator of the slice of the ElevenLabs HTTP API that New Visions uses.

Endpoints (same paths, bodies and error shapes as the real service):

    POST   /v1/voices/add                 instant voice clone (multipart: name, files, labels)
    GET    /v1/voices/{voice_id}
    DELETE /v1/voices/{voice_id}
    GET    /v2/voices                     search with paging
    GET    /v1/user/subscription          voice_limit, voice_slots_used, characters
    POST   /v1/text-to-speech/{voice_id}  streamed audio in the requested output_format

The official SDK is pointed at it with `base_url=`. On top of the contract it keeps what tests
assert on: every call, the peak number of live cloned voices, and per-endpoint fault injection
(the Nth call, a seeded fraction, latency, a hang, a stall mid-stream, or "did the work, then
failed"). A control plane under `/_emulator/` (no API key) lets another process inject faults
and read the state.

Every JSON body validates against the SDK's own response models; the SDK does not validate
responses itself, so drift would otherwise only surface later as an AttributeError.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import math
import random
import string
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio.to_thread
import av
import numpy as np
import numpy.typing as npt
from av.audio.stream import AudioStream
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

ENDPOINTS: tuple[str, ...] = (
    "voices.add",
    "voices.get",
    "voices.delete",
    "voices.search",
    "user.subscription",
    "tts",
)

# `{"detail": {"status": ..., "message": ...}}` statuses and the HTTP code the real service
# pairs them with (quota_exceeded really is a 401 there).
VENDOR_ERRORS: dict[str, tuple[int, str]] = {
    "invalid_api_key": (401, "Invalid API key."),
    "quota_exceeded": (401, "This request exceeds your character quota."),
    "voice_limit_reached": (400, "Custom voice limit reached."),
    "voice_not_found": (404, "No voice with this voice_id exists."),
    "too_many_concurrent_requests": (429, "Too many concurrent requests for this subscription."),
    "system_busy": (429, "The system is experiencing heavy traffic, please try again later."),
    "internal_server_error": (500, "Internal server error."),
    "service_unavailable": (503, "Service temporarily unavailable."),
}

OUTPUT_FORMATS: frozenset[str] = frozenset(
    ["alaw_8000", "ulaw_8000"]
    + [
        f"mp3_{v}"
        for v in (
            "22050_32",
            "24000_48",
            "44100_32",
            "44100_64",
            "44100_96",
            "44100_128",
            "44100_192",
        )
    ]
    + [f"opus_48000_{kbps}" for kbps in (32, 64, 96, 128, 192)]
    + [f"pcm_{rate}" for rate in (8000, 16000, 22050, 24000, 32000, 44100, 48000)]
    + [f"wav_{rate}" for rate in (8000, 16000, 22050, 24000, 32000, 44100, 48000)]
)
DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"
DEFAULT_MODEL_ID = "eleven_multilingual_v2"
# Credits per character: the Flash and Turbo models cost half.
MODEL_COST: dict[str, float] = {
    "eleven_flash_v2_5": 0.5,
    "eleven_flash_v2": 0.5,
    "eleven_turbo_v2_5": 0.5,
    "eleven_turbo_v2": 0.5,
}
SECONDS_PER_CHARACTER = 0.065  # about 15 characters per second of speech
PREMADE_VOICES: tuple[tuple[str, str], ...] = (
    ("21m00Tcm4TlvDq8ikWAM", "Rachel"),
    ("pNInz6obpgDQGcFmaJgB", "Adam"),
)


@dataclass
class Fault:
    """One fault rule for one endpoint.

    A call matches when `always`, when its per-endpoint call number is in `nth` (1-based), or
    when the seeded random draw falls below `rate`; at most `times` calls match. A matching call
    waits `latency_s`, holds for `hang_s` (until the client gives up), then answers `status`
    with a vendor error body. `status=None` only slows the call (or stalls a TTS stream).
    """

    status: int | None = 503
    vendor_status: str | None = None
    message: str | None = None
    nth: list[int] = field(default_factory=list)
    rate: float = 0.0
    always: bool = False
    times: int | None = None
    latency_s: float = 0.0
    hang_s: float | None = None
    apply_then_fail: bool = False  # do the real work (e.g. create the voice), then fail
    raw_body: str | None = None  # a non-JSON body, like an HTML page from a proxy
    headers: dict[str, str] = field(default_factory=dict)
    stall_after_bytes: int | None = None  # tts: send this much audio, then stall
    injected: int = 0

    def body(self) -> bytes:
        if self.raw_body is not None:
            return self.raw_body.encode()
        status = self.vendor_status or (
            "service_unavailable" if self.status == 503 else "internal_server_error"
        )
        message = self.message or VENDOR_ERRORS.get(status, (0, "Injected fault."))[1]
        return json.dumps({"detail": {"status": status, "message": message}}).encode()


@dataclass
class EmulatorConfig:
    api_keys: frozenset[str] = frozenset({"test-key"})
    voice_limit: int = 10
    tier: str = "creator"
    character_limit: int = 1_000_000
    latency_s: dict[str, float] = field(default_factory=dict)  # base latency per endpoint
    seed: int = 0
    chunk_size: int = 4096


@dataclass
class StoredVoice:
    voice_id: str
    name: str
    category: str
    description: str | None
    labels: dict[str, str]
    created_at_unix: int
    samples: list[dict[str, Any]]


@dataclass
class CallRecord:
    seq: int
    endpoint: str
    call_no: int  # 1-based count of this endpoint's calls
    method: str
    path: str
    started_at: float
    duration_s: float = 0.0
    status: int | None = None
    faulted: bool = False
    voice_id: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


class _VendorError(Exception):
    def __init__(self, status: str, message: str | None = None) -> None:
        self.http_status, default_message = VENDOR_ERRORS[status]
        self.body = {"detail": {"status": status, "message": message or default_message}}
        super().__init__(status)


class _VoiceSettingsIn(BaseModel):
    stability: float | None = Field(default=None, ge=0, le=1)
    similarity_boost: float | None = Field(default=None, ge=0, le=1)
    style: float | None = Field(default=None, ge=0, le=1)
    use_speaker_boost: bool | None = None
    speed: float | None = Field(default=None, ge=0.7, le=1.2)


class _TextToSpeechIn(BaseModel):
    model_config = {"extra": "allow"}

    text: str = Field(min_length=1)
    model_id: str | None = None
    language_code: str | None = None
    voice_settings: _VoiceSettingsIn | None = None
    seed: int | None = None


Handler = Callable[[CallRecord, Fault | None], Awaitable[Response]]


class ElevenLabsEmulator:
    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.reset()
        self.app = self._build_app()

    # ------------------------------------------------------------------ state tests read

    def reset(self) -> None:
        """Forget every voice, call, fault and counter (premade voices come back)."""
        self._rng = random.Random(self.config.seed)  # noqa: S311 - fault patterns, not secrets
        self._id_rng = random.Random(self.config.seed + 1)  # noqa: S311
        self.voices: dict[str, StoredVoice] = {
            voice_id: StoredVoice(voice_id, name, "premade", None, {}, 1_700_000_000, [])
            for voice_id, name in PREMADE_VOICES
        }
        self.calls: list[CallRecord] = []
        self.call_counts: Counter[str] = Counter()
        self.faults: dict[str, list[Fault]] = {endpoint: [] for endpoint in ENDPOINTS}
        self.peak_live_cloned = 0
        self.voices_created = 0
        self.voices_deleted = 0
        self.character_count = 0
        self.voice_add_edit_counter = 0
        self._closing = False

    @property
    def live_cloned(self) -> int:
        return sum(1 for voice in self.voices.values() if voice.category == "cloned")

    def cloned_voices(self) -> list[StoredVoice]:
        return [voice for voice in self.voices.values() if voice.category == "cloned"]

    def inject(self, endpoint: str, fault: Fault) -> Fault:
        if endpoint not in self.faults:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
        self.faults[endpoint].append(fault)
        return fault

    def clear_faults(self) -> None:
        for rules in self.faults.values():
            rules.clear()

    def close(self) -> None:
        """Release hanging requests so the server can shut down."""
        self._closing = True

    def snapshot(self) -> dict[str, Any]:
        return {
            "call_counts": dict(self.call_counts),
            "calls": [asdict(call) for call in self.calls],
            "live_cloned": self.live_cloned,
            "peak_live_cloned": self.peak_live_cloned,
            "voice_limit": self.config.voice_limit,
            "voices_created": self.voices_created,
            "voices_deleted": self.voices_deleted,
            "cloned_voices": [
                {"voice_id": v.voice_id, "name": v.name} for v in self.cloned_voices()
            ],
            "character_count": self.character_count,
            "faults": {e: [asdict(f) for f in rules] for e, rules in self.faults.items() if rules},
        }

    # ------------------------------------------------------------------ plumbing

    def _new_id(self) -> str:
        alphabet = string.ascii_letters + string.digits
        return "".join(self._id_rng.choice(alphabet) for _ in range(20))

    def _match_fault(self, endpoint: str, call_no: int) -> Fault | None:
        for fault in self.faults[endpoint]:
            if fault.times is not None and fault.injected >= fault.times:
                continue
            if (
                fault.always
                or call_no in fault.nth
                or (fault.rate > 0 and self._rng.random() < fault.rate)
            ):
                fault.injected += 1
                return fault
        return None

    async def _hold(self, seconds: float, request: Request) -> None:
        """Sleep, but stop early when the client went away or the emulator is closing."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._closing:
            if await request.is_disconnected():
                return
            await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def _authenticate(self, request: Request) -> None:
        key = request.headers.get("xi-api-key")
        if key is None or key not in self.config.api_keys:
            raise _VendorError("invalid_api_key")

    @staticmethod
    def _fault_response(fault: Fault) -> Response:
        media_type = "text/html" if fault.raw_body is not None else "application/json"
        return Response(
            fault.body(),
            status_code=fault.status or 500,
            media_type=media_type,
            headers=fault.headers,
        )

    async def _run(self, endpoint: str, request: Request, handler: Handler) -> Response:
        """Record, delay, fault-inject, authenticate and run one endpoint."""
        self.call_counts[endpoint] += 1
        record = CallRecord(
            seq=len(self.calls) + 1,
            endpoint=endpoint,
            call_no=self.call_counts[endpoint],
            method=request.method,
            path=request.url.path,
            started_at=time.time(),
        )
        self.calls.append(record)
        response: Response
        try:
            base_latency = self.config.latency_s.get(endpoint, 0.0)
            if base_latency:
                await asyncio.sleep(base_latency)
            fault = self._match_fault(endpoint, record.call_no)
            if fault is not None:
                record.faulted = True
                if fault.latency_s:
                    await asyncio.sleep(fault.latency_s)
                if fault.hang_s is not None:
                    await request.body()  # read first: polling for a disconnect would eat it
                    await self._hold(fault.hang_s, request)
            if fault is not None and fault.status is not None and not fault.apply_then_fail:
                # Before auth, like a 503 from a load balancer that never sees the key.
                response = self._fault_response(fault)
            else:
                self._authenticate(request)
                response = await handler(record, fault)
                if fault is not None and fault.status is not None:
                    response = self._fault_response(fault)
        except _VendorError as exc:
            response = JSONResponse(exc.body, status_code=exc.http_status)
        except ClientDisconnect:
            response = Response(status_code=499)  # the client gave up; nobody reads this
        record.status = response.status_code
        record.duration_s = time.time() - record.started_at
        return response

    # ------------------------------------------------------------------ the app

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="ElevenLabs emulator", docs_url=None, redoc_url=None, openapi_url=None)

        @app.post("/v1/voices/add")
        async def add_voice(request: Request) -> Response:
            return await self._run("voices.add", request, lambda r, f: self._add(request, r))

        @app.get("/v1/voices/{voice_id}")
        async def get_voice(voice_id: str, request: Request) -> Response:
            return await self._run("voices.get", request, lambda r, f: self._get(voice_id, r))

        @app.delete("/v1/voices/{voice_id}")
        async def delete_voice(voice_id: str, request: Request) -> Response:
            return await self._run("voices.delete", request, lambda r, f: self._delete(voice_id, r))

        @app.get("/v2/voices")
        async def search_voices(request: Request) -> Response:
            return await self._run("voices.search", request, lambda r, f: self._search(request, r))

        @app.get("/v1/user/subscription")
        async def subscription(request: Request) -> Response:
            return await self._run("user.subscription", request, lambda r, f: self._plan())

        @app.post("/v1/text-to-speech/{voice_id}")
        async def text_to_speech(voice_id: str, request: Request) -> Response:
            return await self._run("tts", request, lambda r, f: self._tts(voice_id, request, r, f))

        @app.get("/_emulator/state")
        async def state() -> dict[str, Any]:
            return self.snapshot()

        @app.post("/_emulator/faults/{endpoint}")
        async def add_fault(endpoint: str, request: Request) -> Response:
            try:
                self.inject(endpoint, Fault(**await request.json()))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse({"ok": True})

        @app.delete("/_emulator/faults")
        async def clear_faults() -> dict[str, bool]:
            self.clear_faults()
            return {"ok": True}

        @app.post("/_emulator/reset")
        async def reset() -> dict[str, bool]:
            self.reset()
            return {"ok": True}

        return app

    # ------------------------------------------------------------------ endpoints

    async def _add(self, request: Request, record: CallRecord) -> Response:
        form = await request.form()
        name = form.get("name")
        files = [item for item in form.getlist("files") if isinstance(item, UploadFile)]
        record.info = {"name": name, "files": len(files), "form_keys": sorted(set(form.keys()))}
        missing = [
            loc
            for loc, present in (("name", isinstance(name, str) and bool(name)), ("files", files))
            if not present
        ]
        if missing or not isinstance(name, str):
            return _validation_error([("body", loc) for loc in missing])
        labels: dict[str, str] = {}
        raw_labels = form.get("labels")
        # The SDK always sends `labels`: the string "null" when the caller gave none.
        if isinstance(raw_labels, str) and raw_labels not in ("", "null"):
            try:
                parsed = json.loads(raw_labels)
            except json.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, dict):
                return _validation_error([("body", "labels")], "labels must be a JSON object")
            labels = {str(k): str(v) for k, v in parsed.items()}
        samples = []
        for upload in files:
            content = await upload.read()
            samples.append(
                {
                    "sample_id": self._new_id(),
                    "file_name": upload.filename,
                    "mime_type": upload.content_type or "application/octet-stream",
                    "size_bytes": len(content),
                    "hash": hashlib.md5(content, usedforsecurity=False).hexdigest(),
                }
            )
        # Checked after the last await: reading a large sample yields (it is spooled to disk),
        # and concurrent creates must not all pass the check before any of them is stored.
        if self.live_cloned >= self.config.voice_limit:
            raise _VendorError(
                "voice_limit_reached",
                "You have reached the maximum number of custom voices "
                f"({self.live_cloned} / {self.config.voice_limit}) for your subscription.",
            )
        description = form.get("description")
        voice = StoredVoice(
            voice_id=self._new_id(),
            name=name,
            category="cloned",
            description=description if isinstance(description, str) else None,
            labels=labels,
            created_at_unix=int(time.time()),
            samples=samples,
        )
        self.voices[voice.voice_id] = voice
        self.voices_created += 1
        self.voice_add_edit_counter += 1
        self.peak_live_cloned = max(self.peak_live_cloned, self.live_cloned)
        record.voice_id = voice.voice_id
        return JSONResponse({"voice_id": voice.voice_id, "requires_verification": False})

    async def _get(self, voice_id: str, record: CallRecord) -> Response:
        record.voice_id = voice_id
        voice = self.voices.get(voice_id)
        if voice is None:
            raise _VendorError(
                "voice_not_found", f"A voice with voice_id {voice_id} was not found."
            )
        return JSONResponse(_voice_json(voice))

    async def _delete(self, voice_id: str, record: CallRecord) -> Response:
        record.voice_id = voice_id
        voice = self.voices.get(voice_id)
        if voice is None or voice.category == "premade":
            raise _VendorError(
                "voice_not_found", f"A voice with voice_id {voice_id} was not found."
            )
        del self.voices[voice_id]
        self.voices_deleted += 1
        return JSONResponse({"status": "ok"})

    async def _search(self, request: Request, record: CallRecord) -> Response:
        query = request.query_params
        record.info = dict(query)
        try:
            page_size = int(query.get("page_size", "10"))
            offset = _decode_page_token(query.get("next_page_token"))
        except ValueError:
            return _validation_error([("query", "page_size")], "not a valid page")
        if not 1 <= page_size <= 100:
            return _validation_error([("query", "page_size")], "page_size must be 1 to 100")
        voices = list(self.voices.values())
        term = (query.get("search") or "").casefold()
        if term:
            # A text match over name, description, labels and category, not a prefix filter.
            voices = [v for v in voices if term in _haystack(v)]
        if query.get("category"):
            voices = [v for v in voices if v.category == query["category"]]
        voice_type = query.get("voice_type")
        if voice_type in ("personal", "non-default", "non-community"):
            voices = [v for v in voices if v.category != "premade"]
        elif voice_type == "default":
            voices = [v for v in voices if v.category == "premade"]
        wanted = set(query.getlist("voice_ids"))
        if wanted:
            voices = [v for v in voices if v.voice_id in wanted]
        descending = (query.get("sort_direction") or "desc") == "desc"
        if query.get("sort") == "name":
            voices.sort(key=lambda v: v.name.casefold(), reverse=descending)
        else:
            voices.sort(key=lambda v: (v.created_at_unix, v.voice_id), reverse=descending)
        page = voices[offset : offset + page_size]
        has_more = offset + page_size < len(voices)
        return JSONResponse(
            {
                "voices": [_voice_json(v) for v in page],
                "has_more": has_more,
                "total_count": len(voices),
                "next_page_token": _encode_page_token(offset + page_size) if has_more else None,
            }
        )

    async def _plan(self) -> Response:
        now = int(time.time())
        return JSONResponse(
            {
                "tier": self.config.tier,
                "character_count": int(self.character_count),
                "character_limit": self.config.character_limit,
                "max_character_limit_extension": 0,
                "max_credit_limit_extension": 0,
                "can_extend_character_limit": False,
                "allowed_to_extend_character_limit": False,
                "next_character_count_reset_unix": now + 30 * 86400,
                "voice_slots_used": self.live_cloned,
                "professional_voice_slots_used": 0,
                "professional_voice_slots_used_in_workspace": 0,
                "voice_limit": self.config.voice_limit,
                "voice_add_edit_counter": self.voice_add_edit_counter,
                "professional_voice_limit": 1,
                "can_extend_voice_limit": False,
                "can_use_instant_voice_cloning": True,
                "can_use_professional_voice_cloning": True,
                "currency": "usd",
                "current_overage": {"amount": "0.00", "currency": "usd"},
                "status": "active",
                "billing_period": "monthly_period",
                "character_refresh_period": "monthly_period",
                "next_invoice": None,
                "open_invoices": [],
                "has_open_invoices": False,
            }
        )

    async def _tts(
        self, voice_id: str, request: Request, record: CallRecord, fault: Fault | None
    ) -> Response:
        record.voice_id = voice_id
        output_format = request.query_params.get("output_format") or DEFAULT_OUTPUT_FORMAT
        if output_format not in OUTPUT_FORMATS:
            return _validation_error(
                [("query", "output_format")], f"unsupported output_format {output_format}"
            )
        try:
            body = _TextToSpeechIn.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"detail": json.loads(exc.json())}, status_code=422)
        if voice_id not in self.voices:
            raise _VendorError(
                "voice_not_found", f"A voice with the voice_id {voice_id} was not found."
            )
        model_id = body.model_id or DEFAULT_MODEL_ID
        cost = math.ceil(len(body.text) * MODEL_COST.get(model_id, 1.0))
        record.info = {
            "text": body.text,
            "model_id": model_id,
            "language_code": body.language_code,
            "output_format": output_format,
            "voice_settings": (
                body.voice_settings.model_dump(exclude_none=True) if body.voice_settings else None
            ),
            "cost": cost,
        }
        remaining = self.config.character_limit - self.character_count
        if cost > remaining:
            raise _VendorError(
                "quota_exceeded",
                f"This request exceeds your quota. You have {max(remaining, 0)} credits "
                f"remaining, while {cost} credits are required for this request.",
            )
        self.character_count += cost
        # Encoding costs CPU: keep it off the event loop.
        audio, media_type = await anyio.to_thread.run_sync(render_audio, body.text, output_format)
        stall_after = fault.stall_after_bytes if fault is not None else None
        return StreamingResponse(
            self._stream(audio, stall_after, request),
            media_type=media_type,
            headers={"x-character-count": str(cost), "request-id": self._new_id()},
        )

    async def _stream(
        self, audio: bytes, stall_after: int | None, request: Request
    ) -> AsyncIterator[bytes]:
        step = self.config.chunk_size
        for start in range(0, len(audio), step):
            if stall_after is not None and start >= stall_after:
                await self._hold(3600, request)
                return
            yield audio[start : start + step]
            await asyncio.sleep(0)


# ---------------------------------------------------------------------- helpers


def _validation_error(locs: list[tuple[str, str]], message: str = "Field required") -> Response:
    """A FastAPI-style 422, which is what the real service sends."""
    detail = [{"type": "missing", "loc": list(loc), "msg": message, "input": None} for loc in locs]
    return JSONResponse({"detail": detail}, status_code=422)


def _haystack(voice: StoredVoice) -> str:
    parts = [voice.name, voice.description or "", voice.category, *voice.labels.values()]
    return " ".join(parts).casefold()


def _encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _decode_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("bad page token") from exc
    if not decoded.startswith("o:"):
        raise ValueError("bad page token")
    return int(decoded[2:])


def _voice_json(voice: StoredVoice) -> dict[str, Any]:
    cloned = voice.category == "cloned"
    return {
        "voice_id": voice.voice_id,
        "name": voice.name,
        "samples": voice.samples if cloned else None,
        "category": voice.category,
        "fine_tuning": {
            "is_allowed_to_fine_tune": cloned,
            "state": {},
            "verification_failures": [],
            "verification_attempts_count": 0,
            "manual_verification_requested": False,
        },
        "labels": voice.labels,
        "description": voice.description,
        "preview_url": None,
        "available_for_tiers": [],
        "settings": None,
        "sharing": None,
        "high_quality_base_model_ids": [],
        "verified_languages": [],
        "collection_ids": [],
        "voice_verification": {
            "requires_verification": False,
            "is_verified": False,
            "verification_failures": [],
            "verification_attempts_count": 0,
        },
        "permission_on_resource": "admin" if cloned else None,
        "is_owner": cloned,
        "is_legacy": False,
        "is_mixed": False,
        "created_at_unix": voice.created_at_unix,
    }


# ---------------------------------------------------------------------- audio

_AUDIO_CACHE: dict[tuple[str, int], tuple[bytes, str]] = {}


def speech_like_signal(seconds: float, rate: int) -> npt.NDArray[np.int16]:
    """Mono s16 samples shaped like speech: a gliding voiced tone with syllables and pauses.

    It is not speech, but it has pitch movement, silence between syllables and a loudness
    contour, so loudness, trimming and encoding code downstream work on something realistic.
    """
    t = np.arange(max(1, int(seconds * rate)), dtype=np.float64) / rate
    f0 = 140.0 + 30.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voiced = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
    syllables = np.sqrt(np.clip(np.sin(2 * np.pi * 4.0 * t), 0.0, None))
    signal: npt.NDArray[np.int16] = (9000.0 * syllables * voiced).astype(np.int16)
    return signal


def _encode(
    pcm: npt.NDArray[np.int16], rate: int, container: str, codec: str, bit_rate: int | None
) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        if not isinstance(stream, AudioStream):
            raise TypeError(f"{codec} is not an audio codec")
        if bit_rate:
            stream.bit_rate = bit_rate
        frame_size = 1152
        for start in range(0, len(pcm), frame_size):
            chunk = pcm[start : start + frame_size]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def render_audio(text: str, output_format: str) -> tuple[bytes, str]:
    """Audio for `text` in an ElevenLabs output_format, and its media type."""
    seconds = max(0.5, round(len(text) * SECONDS_PER_CHARACTER, 1))
    key = (output_format, int(seconds * 10))
    cached = _AUDIO_CACHE.get(key)
    if cached is not None:
        return cached
    kind, _, rest = output_format.partition("_")
    rate_text, _, kbps = rest.partition("_")
    rate = int(rate_text)
    pcm = speech_like_signal(seconds, rate)
    result: tuple[bytes, str]
    if kind == "pcm":
        result = (pcm.astype("<i2").tobytes(), "audio/pcm")
    elif kind == "wav":
        result = (_encode(pcm, rate, "wav", "pcm_s16le", None), "audio/wav")
    elif kind == "mp3":
        result = (_encode(pcm, rate, "mp3", "libmp3lame", int(kbps) * 1000), "audio/mpeg")
    elif kind == "opus":
        result = (_encode(pcm, rate, "ogg", "libopus", int(kbps) * 1000), "audio/ogg")
    elif kind in ("ulaw", "alaw"):
        codec = "pcm_mulaw" if kind == "ulaw" else "pcm_alaw"
        result = (
            _encode(pcm, rate, "mulaw" if kind == "ulaw" else "alaw", codec, None),
            "audio/basic",
        )
    else:
        raise ValueError(f"unsupported output_format {output_format}")
    _AUDIO_CACHE[key] = result
    return result


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    """ASGI factory, for `uvicorn --factory` (`newvisions emulate elevenlabs` is simpler)."""
    return ElevenLabsEmulator(config).app
