"""A separate process that runs temporary clones: used to kill one mid-clone (SIGKILL) and to
run several workers against one emulator with the Redis backend.

    python -m tests.voice_cloning.child crash --db URL --data-dir D --emulator URL --user ID
    python -m tests.voice_cloning.child load --db URL --data-dir D --emulator URL \
        --redis URL --prefix P --users ID,ID,... --start-at EPOCH
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

from pydantic import SecretStr

from newvisions.config.database import create_engine, create_sessionmaker
from newvisions.config.settings import Environment, Settings
from newvisions.utils.logging import configure_logging
from newvisions.voice_cloning.coordination import (
    CloneCoordinator,
    InProcessCoordinator,
    RedisCoordinator,
)
from newvisions.voice_cloning.providers.base import SpeechRequest, VoiceSample
from newvisions.voice_cloning.providers.elevenlabs import ElevenLabsVoiceProvider
from newvisions.voice_cloning.providers.elevenlabs_emulator import render_audio
from newvisions.voice_cloning.service import ClonePolicy, CloneService

RECORDING = render_audio("a recording of the performer", "mp3_44100_128")[0]
REQUEST = SpeechRequest(
    text="I dreamt of the ace of spades.",
    language="en",
    speaker_sex="male",
    stability=50,
    similarity=75,
)


async def _sample(_user_id: uuid.UUID) -> VoiceSample:
    return VoiceSample(audio=RECORDING, mime_type="audio/mpeg", profile=None)


def _service(args: argparse.Namespace, coordinator: CloneCoordinator) -> CloneService:
    settings = Settings(
        environment=Environment.test,
        data_dir=Path(args.data_dir),
        database_url=args.db,
        jwt_secret=SecretStr("child-secret-" + "x" * 40),
        _env_file=None,  # type: ignore[call-arg]
    )
    provider = ElevenLabsVoiceProvider(
        api_key="test-key",
        base_url=args.emulator,
        model_id="eleven_flash_v2_5",
        request_timeout_s=30,
        create_timeout_s=30,
        synthesis_timeout_s=30,
        delete_timeout_s=30,
        busy_retries=2,
    )
    return CloneService(
        provider=provider,
        coordinator=coordinator,
        sessionmaker=create_sessionmaker(create_engine(settings)),
        policy=ClonePolicy(slot_wait_s=120, lease_s=10, slot_reserve=0, capacity_refresh_s=60),
    )


async def crash(args: argparse.Namespace) -> None:
    clones = _service(args, InProcessCoordinator())
    async with clones.temporary_clone(uuid.UUID(args.user), "doomed", _sample) as voice:
        print("LIVE", voice.clone_id, voice.voice_id, flush=True)
        await asyncio.sleep(3600)  # killed here


async def load(args: argparse.Namespace) -> None:
    coordinator = RedisCoordinator.from_url(args.redis, prefix=args.prefix)
    clones = _service(args, coordinator)
    users = [uuid.UUID(u) for u in args.users.split(",")]
    waits: list[float] = []
    lifetimes: list[float] = []
    errors: list[str] = []

    async def perform(user_id: uuid.UUID) -> None:
        asked = time.monotonic()
        try:
            async with clones.temporary_clone(user_id, "load", _sample) as voice:
                got = time.monotonic()
                waits.append(got - asked)
                await voice.synthesize(REQUEST)
            lifetimes.append(time.monotonic() - got)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    await asyncio.sleep(max(0.0, args.start_at - time.time()))
    started = time.monotonic()
    await asyncio.gather(*(perform(u) for u in users))
    print(
        json.dumps(
            {
                "ok": len(lifetimes),
                "errors": errors,
                "seconds": time.monotonic() - started,
                "waits": waits,
                "lifetimes": lifetimes,
            }
        ),
        flush=True,
    )
    await coordinator.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["crash", "load"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--users", default="")
    parser.add_argument("--redis", default="")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--start-at", type=float, default=0.0)
    args = parser.parse_args()
    configure_logging(json_logs=False, level="WARNING")  # logs to stderr; stdout is for results
    asyncio.run(crash(args) if args.mode == "crash" else load(args))


if __name__ == "__main__":
    sys.exit(main())
