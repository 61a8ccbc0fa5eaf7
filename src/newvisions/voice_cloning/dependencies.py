"""The voice-cloning objects of one app: built once from settings, kept on `app.state`."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Annotated

import structlog
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.config.settings import Settings
from newvisions.voice_cloning.coordination import (
    CloneCoordinator,
    InProcessCoordinator,
    build_coordinator,
)
from newvisions.voice_cloning.exceptions import VoiceProviderUnavailable
from newvisions.voice_cloning.providers.base import VoiceProvider
from newvisions.voice_cloning.providers.factory import build_voice_provider, close_voice_provider
from newvisions.voice_cloning.providers.offline import OfflineVoiceProvider
from newvisions.voice_cloning.service import ClonePolicy, CloneService
from newvisions.voice_cloning.sweeper import CloneSweeper
from newvisions.voice_cloning.tasks import SweeperLoop

log = structlog.get_logger(__name__)


@dataclass
class VoiceCloning:
    provider: VoiceProvider | None
    coordinator: CloneCoordinator
    clones: CloneService | None
    sweeper: CloneSweeper | None
    sweeper_loop: SweeperLoop | None
    # The offline engine standing in when the configured provider is down
    # (NV_VOICE_OFFLINE_FALLBACK); None when not allowed or when offline is the provider.
    fallback: CloneService | None = None
    _warm_up: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        provider: VoiceProvider | None = None,
        coordinator: CloneCoordinator | None = None,
    ) -> VoiceCloning:
        provider = provider if provider is not None else build_voice_provider(settings)
        coordinator = coordinator if coordinator is not None else build_coordinator(settings)
        if provider is None:
            return cls(provider, coordinator, None, None, None)
        if not coordinator.shared and settings.workers > 1:
            log.warning(
                "voice_clone.in_process_coordination",
                workers=settings.workers,
                hint="set NV_REDIS_URL: slot leases and locks are per process without it",
            )
        clones = CloneService(
            provider=provider,
            coordinator=coordinator,
            sessionmaker=sessionmaker,
            policy=ClonePolicy.from_settings(settings),
        )
        sweeper = CloneSweeper(
            provider=provider,
            coordinator=coordinator,
            sessionmaker=sessionmaker,
            stale_after_s=settings.voice_clone_stale_after_s,
        )
        loop = SweeperLoop(
            sweeper,
            coordinator,
            interval_s=settings.voice_sweep_interval_s,
            # In the serving process the in-process backend sees every lease (one worker).
            trust_leases=coordinator.shared or settings.workers == 1,
            lease_s=settings.voice_slot_lease_s,
        )
        fallback = None
        if settings.voice_offline_fallback and not isinstance(provider, OfflineVoiceProvider):
            # Offline voices live in this process, so their slots are coordinated here too.
            fallback = CloneService(
                provider=OfflineVoiceProvider.from_settings(settings),
                coordinator=InProcessCoordinator(),
                sessionmaker=sessionmaker,
                policy=ClonePolicy.from_settings(settings),
            )
        return cls(provider, coordinator, clones, sweeper, loop, fallback)

    async def start(self) -> None:
        if self.sweeper_loop is not None:
            await self.sweeper_loop.start()
        offline = [
            service.provider
            for service in (self.clones, self.fallback)
            if service is not None and isinstance(service.provider, OfflineVoiceProvider)
        ]
        if offline:
            # Loading the engines takes seconds: do it now, not during the first perform.
            self._warm_up = asyncio.create_task(_warm(offline))

    async def aclose(self) -> None:
        if self._warm_up is not None:
            self._warm_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warm_up
        if self.sweeper_loop is not None:
            await self.sweeper_loop.stop()
        await close_voice_provider(self.provider)
        await self.coordinator.aclose()


async def _warm(providers: list[OfflineVoiceProvider]) -> None:
    for provider in providers:
        try:
            await provider.warm_up()
        except Exception:  # a perform would then load lazily and report its own error
            log.exception("voice_provider.warm_up_failed", provider=provider.name)
        else:
            log.info("voice_provider.warmed_up", provider=provider.name)


def get_clone_service(request: Request) -> CloneService:
    voice: VoiceCloning = request.app.state.voice_cloning
    if voice.clones is None:
        raise VoiceProviderUnavailable("No voice service is configured on this server.")
    return voice.clones


CloneServiceDep = Annotated[CloneService, Depends(get_clone_service)]
