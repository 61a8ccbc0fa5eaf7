"""The application factory: settings in, a configured FastAPI app out."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions import __version__
from newvisions.activation.router import router as activation_admin_router
from newvisions.audio.router import router as audio_router
from newvisions.audio.tasks import purge_expired_audio
from newvisions.auth.cache import AuthCache, ForgetOnWrite
from newvisions.auth.router import router as auth_router
from newvisions.auth.throttling import AuthLimits
from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Settings, get_settings
from newvisions.content import language as content_language
from newvisions.content.router import router as thoughts_router
from newvisions.content.service import NoteWriter
from newvisions.health.router import router as health_router
from newvisions.health.service import database_check
from newvisions.limits.quota_manager import QuotaManager
from newvisions.limits.rate_limiter import RateLimit, RateLimiter
from newvisions.limits.router import router as limits_router
from newvisions.limits.tasks import release_stale_reservations
from newvisions.perform.recovery import recover_interrupted
from newvisions.perform.router import router as perform_router
from newvisions.perform.service import Performer
from newvisions.users.router import admin_router as users_admin_router
from newvisions.users.router import router as users_router
from newvisions.utils.errors import install_error_handlers
from newvisions.utils.logging import configure_logging
from newvisions.utils.metrics import (
    MetricsMiddleware,
    forget_live_metrics_of_this_process,
    metrics_endpoint,
)
from newvisions.utils.nul_guard import NulGuardMiddleware
from newvisions.utils.periodic import run_periodically
from newvisions.utils.request_context import RequestContextMiddleware
from newvisions.voice_cloning.analysis import voice_analyser
from newvisions.voice_cloning.dependencies import VoiceCloning
from newvisions.voice_cloning.recording import tasks as recording_tasks
from newvisions.voice_cloning.recording.router import router as voice_recording_router
from newvisions.voice_cloning.recording.service import (
    RecordingIntake,
    sample_loader,
    transaction_scope,
)
from newvisions.webapp.router import install_webapp

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    rate_limiter: RateLimiter | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own engine (and limiter); otherwise made from settings."""
    settings = settings or get_settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)
    owns_engine = engine is None
    engine = engine or create_engine(settings)
    note_writer = NoteWriter(settings)
    owns_limiter = rate_limiter is None and settings.rate_limits_enabled
    if owns_limiter:
        rate_limiter = RateLimiter.from_url(settings.redis_url)
    sessionmaker = create_sessionmaker(engine)
    voice_cloning = VoiceCloning.build(settings, sessionmaker)
    voice_recordings = RecordingIntake(
        settings, transaction_scope(sessionmaker), analyser=voice_analyser(settings)
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("app.started", environment=settings.environment.value, version=__version__)
        if note_writer.uses_remote_provider and not content_language.is_loaded():
            # Remote notes are language-checked; load the detector now, not on the first perform.
            content_language.warm_in_background()
        background = [
            asyncio.create_task(
                run_periodically(
                    "quota.release_stale",
                    settings.quota_sweep_interval_seconds,
                    lambda: release_stale_reservations(sessionmaker),
                )
            ),
            asyncio.create_task(
                run_periodically(
                    "perform.recover_interrupted",
                    settings.quota_sweep_interval_seconds,
                    lambda: recover_interrupted(
                        sessionmaker,
                        voice_cloning.coordinator,
                        # One worker without Redis: this process sees every live perform.
                        trust_leases=voice_cloning.coordinator.shared or settings.workers == 1,
                        stale_after_s=settings.quota_reservation_ttl_seconds,
                    ),
                )
            ),
            asyncio.create_task(
                run_periodically(
                    "audio.purge",
                    settings.audio_purge_interval_seconds,
                    lambda: purge_expired_audio(sessionmaker, settings),
                )
            ),
            asyncio.create_task(
                run_periodically(
                    "voice_recording.maintenance",
                    settings.recording_sweep_interval_seconds,
                    lambda: recording_tasks.maintain(voice_recordings),
                )
            ),
        ]
        # The startup sweep removes temporary voices a previous run left behind.
        await voice_cloning.start()
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with suppress(asyncio.CancelledError):
                    await task
            await voice_cloning.aclose()
            await note_writer.aclose()
            if owns_engine:
                await engine.dispose()
            if owns_limiter and rate_limiter is not None:
                await rate_limiter.aclose()
            forget_live_metrics_of_this_process()
            log.info("app.stopped")

    app = FastAPI(
        title="New Visions",
        version=__version__,
        summary="A spectator's free choice, revealed by an old voice memo in your own voice.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.read_only_sessionmaker = create_sessionmaker(engine, read_only=True)
    app.state.voice_cloning = voice_cloning
    app.state.voice_recordings = voice_recordings
    app.state.performer = Performer(
        settings=settings,
        sessionmaker=sessionmaker,
        note_writer=note_writer,
        voice_cloning=voice_cloning,
        quota=QuotaManager(sessionmaker, settings),
        load_sample=sample_loader(voice_recordings),
    )
    app.state.note_writer = note_writer
    # Shared by every module that throttles requests; None when throttling is switched off.
    app.state.rate_limiter = rate_limiter if settings.rate_limits_enabled else None
    app.state.auth_limits = AuthLimits.from_settings(settings)
    if app.state.rate_limiter is not None:
        app.state.thought_preview_limiter = functools.partial(
            app.state.rate_limiter.acquire,
            RateLimit.parse("thoughts.preview", settings.thought_preview_rate_limit),
        )
    app.state.readiness_checks = {"database": database_check(engine)}
    app.state.auth_cache = AuthCache(settings.auth_cache_seconds)

    install_error_handlers(app)
    # Outermost last: the request id must exist before metrics log the request line.
    app.add_middleware(ForgetOnWrite, cache=app.state.auth_cache)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestContextMiddleware)

    for router in (
        health_router,
        auth_router,
        users_router,
        users_admin_router,
        activation_admin_router,
        thoughts_router,
        limits_router,
        audio_router,
        voice_recording_router,
        perform_router,
    ):
        app.include_router(router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    if settings.webapp_enabled:
        install_webapp(app)
    return app
