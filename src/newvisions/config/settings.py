"""One settings class, read from `NV_*` environment variables and `.env`; it fails fast."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from newvisions.limits.rate_limiter import RateLimit

# Values that must never protect a production deployment.
_WEAK_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development", "test"})
_MIN_SECRET_LENGTH = 32
MAX_LOGIN_ATTEMPTS_PER_HOUR = 100


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class ThoughtProviderName(StrEnum):
    offline = "offline"
    gemini = "gemini"


class AudioFormat(StrEnum):
    m4a = "m4a"
    mp3 = "mp3"


# What one character of text costs, per text-to-speech model, as the provider bills it.
# ElevenLabs bills its Flash and Turbo models at half a credit per character.
DEFAULT_TTS_COST_FACTORS: dict[str, float] = {
    "eleven_flash_v2_5": 0.5,
    "eleven_flash_v2": 0.5,
    "eleven_turbo_v2_5": 0.5,
    "eleven_turbo_v2": 0.5,
    "eleven_multilingual_v2": 1.0,
    "eleven_v3": 1.0,
    "offline": 1.0,
}


class VoiceProviderName(StrEnum):
    offline = "offline"
    elevenlabs = "elevenlabs"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NV_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: Environment = Environment.development
    data_dir: Path = Field(
        default=Path("var"),
        description="Where the embedded database, the development secret and private files live.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; empty means an SQLite file inside data_dir.",
    )
    allow_sqlite_in_production: bool = False
    database_echo: bool = False

    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 signing key; generated once into data_dir in development.",
    )

    webapp_enabled: bool = Field(
        default=True, description="Serve the performer web app at / (static files, no build)."
    )

    redis_url: str | None = Field(
        default=None,
        description="Redis for locks, slot leases and rate limits shared by several workers.",
    )

    max_sessions_per_user: int = Field(
        default=0, ge=0, description="Sessions kept per user; the oldest is revoked (0 = no cap)."
    )
    auth_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=30,
        description="How long a GET may reuse this process's check of an access token "
        "(0 = check every request; see decision 0015).",
    )

    thought_provider: ThoughtProviderName = Field(
        default=ThoughtProviderName.offline,
        description="Who writes note texts: the offline composer or Gemini (falls back offline).",
    )
    gemini_api_key: SecretStr | None = Field(default=None, description="Gemini API key.")
    gemini_model: str | None = Field(
        default=None,
        description="Gemini model id, required with the gemini provider (no default that expires).",
    )
    gemini_base_url: str | None = Field(
        default=None, description="Gemini endpoint override (the emulator); empty = Google."
    )
    gemini_timeout_s: float = Field(
        default=3.0, gt=0, le=30, description="Timeout of one Gemini request."
    )
    gemini_http_attempts: int = Field(
        default=1, ge=1, le=5, description="HTTP attempts per Gemini request (429/5xx/timeouts)."
    )
    gemini_thinking_budget: int = Field(
        default=0, ge=0, le=1024, description="Thinking tokens (0 = off, for models that allow it)."
    )
    thought_attempts: int = Field(
        default=2, ge=1, le=5, description="Provider notes tried before the offline composer."
    )
    thought_deadline_s: float = Field(
        default=6.0, gt=0, le=60, description="Time for the provider before the composer steps in."
    )
    note_min_chars: int = Field(default=40, ge=10, description="Shortest note accepted.")
    note_max_chars: int = Field(default=160, le=400, description="Longest note accepted.")
    note_target_min_chars: int = Field(default=80, description="Length notes aim for (low end).")
    note_target_max_chars: int = Field(default=120, description="Length notes aim for (high end).")
    thought_preview_rate_limit: str = Field(
        default="20/minute",
        description="Note previews per user (limits notation, tiers split by ;).",
    )

    rate_limits_enabled: bool = Field(
        default=True,
        description="Request rate limits (logins, registrations, password resets, previews).",
    )
    login_limit_per_account: str = Field(
        default="5/minute;20/15 minutes;100/hour",
        description="Login attempts per account (tiers; at most 100 in any hour).",
    )
    login_limit_per_address: str = Field(
        default="30/minute;300/hour", description="Login attempts per client address."
    )
    register_limit_per_address: str = Field(
        default="5/minute;30/hour", description="Registrations per client address."
    )
    reset_limit_per_address: str = Field(
        default="5/minute;30/hour", description="Password-reset attempts per client address."
    )
    reset_limit_per_account: str = Field(
        default="5/15 minutes;20/hour", description="Password-reset attempts per email address."
    )

    bootstrap_admin_username: str = Field(
        default="admin", description="Username of the admin account the first start creates."
    )
    bootstrap_admin_email: str = Field(
        default="admin@example.com",
        description="Email of the admin account the first start creates.",
    )
    bootstrap_codes: int = Field(
        default=5, ge=0, le=100, description="Activation codes the first start prints."
    )

    monthly_char_limit: int = Field(
        default=4000,
        ge=0,
        description="Characters a user may have spoken per calendar month (UTC), unless the "
        "user has an override.",
    )
    tts_cost_factors: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_TTS_COST_FACTORS),
        description="Billed characters per text character, by speech model (JSON object); "
        "entries given here are merged over the built-in table.",
    )
    tts_default_cost_factor: float = Field(
        default=1.0, gt=0, description="Cost factor of a speech model missing from the table."
    )
    quota_reservation_ttl_seconds: int = Field(
        default=600,
        ge=10,
        description="A quota reservation neither committed nor refunded after this long "
        "(a crashed perform) is released.",
    )
    quota_sweep_interval_seconds: int = Field(
        default=60, ge=1, description="How often stale quota reservations are released."
    )

    audio_format: AudioFormat = Field(
        default=AudioFormat.m4a, description="Container of generated memos: m4a (AAC) or mp3."
    )
    audio_ttl_hours: float = Field(
        default=24, gt=0, description="Generated memos are deleted this long after creation."
    )
    audio_link_ttl_seconds: int = Field(
        default=900, ge=10, description="Lifetime of a signed audio link (for <audio src>)."
    )
    audio_purge_interval_seconds: int = Field(
        default=600, ge=1, description="How often expired generated memos are deleted."
    )
    audio_target_lufs: float = Field(
        default=-16.0, ge=-40, le=-6, description="Integrated loudness of generated memos."
    )

    voice_provider: VoiceProviderName = Field(
        default=VoiceProviderName.offline,
        description="Who clones and speaks: the offline engine or ElevenLabs.",
    )
    voice_offline_fallback: bool = Field(
        default=False,
        description="When the voice provider is down, speak with the offline engine instead "
        "of answering 503 (the response says voice_source=offline).",
    )
    elevenlabs_api_key: SecretStr | None = Field(
        default=None, description="ElevenLabs API key (needed when voice_provider=elevenlabs)."
    )
    elevenlabs_base_url: str | None = Field(
        default=None,
        description="ElevenLabs API address; empty means the public service (set it to the "
        "emulator for local development).",
    )
    elevenlabs_model_id: str = Field(
        default="eleven_flash_v2_5", description="ElevenLabs text-to-speech model."
    )
    elevenlabs_request_timeout_s: float = Field(
        default=10.0, gt=0, description="Longest silence on one ElevenLabs connection."
    )
    elevenlabs_create_timeout_s: float = Field(
        default=20.0, gt=0, description="Deadline of one voice-clone creation attempt."
    )
    elevenlabs_synthesis_timeout_s: float = Field(
        default=20.0, gt=0, description="Deadline of one speech synthesis, audio complete."
    )
    elevenlabs_delete_timeout_s: float = Field(
        default=10.0, gt=0, description="Deadline of one voice deletion or lookup."
    )
    elevenlabs_busy_retries: int = Field(
        default=2,
        ge=0,
        description="Retries (with backoff) when ElevenLabs answers busy (429) or 5xx.",
    )
    voice_slot_reserve: int = Field(
        default=0, ge=0, description="Provider voice slots the clone workflow leaves unused."
    )
    voice_slot_wait_s: float = Field(
        default=15.0,
        ge=0,
        description="How long a perform waits for a free voice slot before 503 voice_slots_busy.",
    )
    voice_slot_lease_s: float = Field(
        default=30.0,
        gt=0,
        description="Lifetime of a slot lease; renewed while the clone lives, so a dead worker "
        "frees its slot after at most this long.",
    )
    voice_capacity_refresh_s: float = Field(
        default=60.0, gt=0, description="How often the provider's free slot count is re-read."
    )
    voice_clone_stale_after_s: float = Field(
        default=120.0,
        gt=0,
        description="Age after which the sweeper treats an unfinished clone without a live "
        "lease as abandoned.",
    )
    voice_sweep_interval_s: float = Field(
        default=60.0, ge=0, description="Period of the clone sweeper (0 = only at start)."
    )
    offline_voice_limit: int = Field(
        default=10,
        ge=1,
        description="Adapted-voice slots of the offline engine (the same workflow limit as a "
        "hosted voice account).",
    )
    offline_tone_strength: float = Field(
        default=1.0,
        ge=0.0,
        le=1.5,
        description="Strength of the offline tone EQ toward the recording at voice_similarity "
        "100 (it also copies the recording's microphone colour).",
    )

    recording_min_seconds: float = Field(
        default=30.0, gt=0, description="Shortest voice recording accepted (measured, seconds)."
    )
    recording_max_seconds: float = Field(
        default=60.0, gt=0, description="Longest voice recording accepted (measured, seconds)."
    )
    recording_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="Largest recording file accepted (base64 JSON bodies may be 4/3 of this).",
    )
    recording_decode_timeout_seconds: float = Field(
        default=15.0, gt=0, description="Decoding an upload longer than this is stopped."
    )
    recording_decode_concurrency: int = Field(
        default=2, ge=1, description="Uploads decoded at the same time in one process."
    )
    recording_sweep_interval_seconds: float = Field(
        default=600.0,
        gt=0,
        description="How often unnamed recording files are removed and stale analyses rerun.",
    )

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "INFO"
    log_json: bool | None = Field(
        default=None,
        description="JSON log lines; defaults to on in production, off elsewhere.",
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'newvisions.sqlite3').as_posix()}"

    @property
    def uses_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.environment is Environment.production

    @property
    def jwt_secret_value(self) -> str:
        if self.jwt_secret is None:  # pragma: no cover - the validator fills it
            raise RuntimeError("jwt_secret is not configured")
        return self.jwt_secret.get_secret_value()

    @field_validator(
        "login_limit_per_account",
        "login_limit_per_address",
        "register_limit_per_address",
        "reset_limit_per_address",
        "reset_limit_per_account",
        "thought_preview_rate_limit",
    )
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit ({exc}); example: 5/minute;100/hour") from exc
        return value

    @field_validator("login_limit_per_account")
    @classmethod
    def _at_most_100_failures_per_hour(cls, value: str) -> str:
        # OWASP ASVS: no more than 100 failed attempts per hour on one account.
        if RateLimit.parse("login_account", value).most_within(3600) > MAX_LOGIN_ATTEMPTS_PER_HOUR:
            raise ValueError(
                f"must allow at most {MAX_LOGIN_ATTEMPTS_PER_HOUR} attempts in any hour"
            )
        return value

    def cost_factor(self, model: str) -> float:
        """Billed characters per character for a speech model (unknown models pay full)."""
        return self.tts_cost_factors.get(model, self.tts_default_cost_factor)

    @field_validator("tts_cost_factors", mode="after")
    @classmethod
    def _merge_cost_factors(cls, value: dict[str, float]) -> dict[str, float]:
        if any(factor <= 0 for factor in value.values()):
            raise ValueError("every cost factor must be greater than 0")
        return {**DEFAULT_TTS_COST_FACTORS, **value}

    @model_validator(mode="after")
    def _check_thought_settings(self) -> Self:
        if self.thought_provider is ThoughtProviderName.gemini and not (
            self.gemini_api_key and self.gemini_model
        ):
            raise ValueError(
                "NV_THOUGHT_PROVIDER=gemini needs NV_GEMINI_API_KEY and NV_GEMINI_MODEL"
            )
        lengths = (
            self.note_min_chars,
            self.note_target_min_chars,
            self.note_target_max_chars,
            self.note_max_chars,
        )
        if list(lengths) != sorted(lengths):
            raise ValueError(
                "note lengths must satisfy NV_NOTE_MIN_CHARS <= NV_NOTE_TARGET_MIN_CHARS <= "
                "NV_NOTE_TARGET_MAX_CHARS <= NV_NOTE_MAX_CHARS"
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is Environment.production:
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if secret.lower() in _WEAK_SECRETS or len(secret) < _MIN_SECRET_LENGTH:
                raise ValueError(
                    "NV_JWT_SECRET must be set to a random value of at least "
                    f"{_MIN_SECRET_LENGTH} characters in production"
                )
            if self.uses_sqlite and not self.allow_sqlite_in_production:
                raise ValueError(
                    "production needs NV_DATABASE_URL pointing at PostgreSQL "
                    "(or NV_ALLOW_SQLITE_IN_PRODUCTION=true for a single-instance install)"
                )
        elif self.jwt_secret is None:
            self.jwt_secret = SecretStr(_local_secret(self.data_dir))
        return self

    @model_validator(mode="after")
    def _check_voice_settings(self) -> Self:
        if self.voice_provider is VoiceProviderName.elevenlabs and not (
            self.elevenlabs_api_key and self.elevenlabs_api_key.get_secret_value()
        ):
            raise ValueError("NV_VOICE_PROVIDER=elevenlabs needs NV_ELEVENLABS_API_KEY")
        return self

    def public_view(self) -> dict[str, object]:
        """Effective configuration with every secret masked, for `doctor` and logs."""
        view: dict[str, object] = {}
        for name, value in self.model_dump().items():
            if isinstance(getattr(self, name), SecretStr):
                view[name] = "(set)" if value else "(not set)"
            else:
                view[name] = value
        view["database_url"] = _mask_url_password(self.effective_database_url)
        if self.redis_url:
            view["redis_url"] = _mask_url_password(self.redis_url)
        return view


def _local_secret(data_dir: Path) -> str:
    """A secret generated once per checkout, so development needs no configuration."""
    path = data_dir / "jwt_secret"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
    return secret


def _mask_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


@lru_cache
def get_settings() -> Settings:
    return Settings()
