"""The fault soak: many performs through `POST /api/perform` while the ElevenLabs and Gemini
emulators fail at random at every provider step, then the three invariants.

    voices of ours left at the provider after one sweep        must be 0
    characters charged for performs that failed                 must be 0
    peak live voices at the provider                            must be ≤ its slot limit

Checked on the way, as they are bugs too: no perform hangs past its cap, none answers 500,
none is left `running`, no quota reservation is left held, every response agrees with the
perform's row, and every successful perform was charged what its text costs.

Used by the short form (test_fault_soak.py here) and the long one (bench/fault_soak.py).
Both emulators are driven over their HTTP control planes, so they may run in this process or
in another one.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.config.settings import Settings
from newvisions.limits.accounting import billed_chars
from newvisions.models import UsageEntry, UsageStatus
from newvisions.models.perform import Perform, PerformStatus
from newvisions.voice_cloning.providers.base import VOICE_NAME_PREFIX
from newvisions.voice_cloning.sweeper import CloneSweeper, SweepReport

# Our clients give up well before a hung provider call ends: every hang is a timeout.
CLIENT_TIMEOUT_S = 1.0
HANG_S = 4.0

# App settings for the soak: short provider deadlines, one retry, no offline voice.
SOAK_SETTINGS: dict[str, Any] = {
    "voice_offline_fallback": False,
    "elevenlabs_request_timeout_s": CLIENT_TIMEOUT_S,
    "elevenlabs_create_timeout_s": CLIENT_TIMEOUT_S,
    "elevenlabs_synthesis_timeout_s": CLIENT_TIMEOUT_S,
    "elevenlabs_delete_timeout_s": CLIENT_TIMEOUT_S,
    "elevenlabs_busy_retries": 1,
    "voice_slot_wait_s": 8.0,
    "voice_capacity_refresh_s": 5.0,
    "gemini_timeout_s": CLIENT_TIMEOUT_S,
    "gemini_http_attempts": 1,
    "thought_deadline_s": 2.0,
    "monthly_char_limit": 1_000_000,  # the quota is not what is tested
}


def elevenlabs_faults(hang_s: float = HANG_S) -> dict[str, list[dict[str, Any]]]:
    """Fault rules per emulator endpoint; each call draws against them in order."""
    hang = {"hang_s": hang_s}
    return {
        "voices.add": [  # create
            {"status": 503, "rate": 0.05},
            {"status": 429, "vendor_status": "system_busy", "rate": 0.03},
            {"status": 500, "apply_then_fail": True, "rate": 0.04},  # created, then "failed"
            {"status": 503, **hang, "rate": 0.02},  # timeout, nothing created
            {"status": None, **hang, "rate": 0.03},  # timeout, created late
            {"status": None, "latency_s": 0.3, "rate": 0.05},
        ],
        "tts": [  # speak
            {"status": 503, "rate": 0.05},
            {"status": 429, "vendor_status": "too_many_concurrent_requests", "rate": 0.03},
            {"status": 500, "apply_then_fail": True, "rate": 0.03},  # billed, then "failed"
            {"status": None, **hang, "rate": 0.03},  # timeout before any audio
            {"status": None, "stall_after_bytes": 4096, "rate": 0.03},  # timeout mid-stream
            {"status": None, "latency_s": 0.3, "rate": 0.05},
        ],
        "voices.delete": [  # delete
            {"status": 503, "rate": 0.06},
            {"status": 500, "apply_then_fail": True, "rate": 0.04},  # deleted, then "failed"
            {"status": 503, **hang, "rate": 0.03},
            {"status": None, **hang, "rate": 0.02},  # timeout, deleted late
        ],
        "voices.search": [  # the lookups after a failed create
            {"status": 503, "rate": 0.05},
            {"status": None, **hang, "rate": 0.02},
        ],
        "user.subscription": [  # the free-slot count
            {"status": 503, "rate": 0.05},
        ],
    }


GEMINI_RATES: dict[str, float] = {  # text
    "http_503": 0.05,
    "http_429": 0.03,
    "http_500": 0.03,
    "hang": 0.04,
    "invalid_note": 0.04,
    "empty": 0.02,
    "safety": 0.02,
    "prompt_blocked": 0.01,
    "max_tokens": 0.02,
}

VALUES: tuple[tuple[str, str], ...] = (
    ("cards", "Q of Clubs"),
    ("numbers", "37"),
    ("star-signs", "Scorpio"),
    ("names", "Lucy"),
    ("years", "1987"),
    ("movies", "Casablanca"),
    ("phobias", "spiders"),
    ("custom", "a red balloon"),
)


# ---------------------------------------------------------------------- the emulators


async def inject_faults(elevenlabs_url: str, gemini_url: str, *, seed: int) -> None:
    async with AsyncClient(base_url=elevenlabs_url) as client:
        (await client.post("/_emulator/reset")).raise_for_status()
        for endpoint, rules in elevenlabs_faults().items():
            for rule in rules:
                (await client.post(f"/_emulator/faults/{endpoint}", json=rule)).raise_for_status()
    async with AsyncClient(base_url=gemini_url) as client:
        (await client.post("/emulator/reset")).raise_for_status()
        answer = await client.post(
            "/emulator/faults/random", json={"rates": GEMINI_RATES, "seed": seed, "hang_s": HANG_S}
        )
        answer.raise_for_status()


async def clear_faults(elevenlabs_url: str, gemini_url: str) -> None:
    async with AsyncClient(base_url=elevenlabs_url) as client:
        (await client.delete("/_emulator/faults")).raise_for_status()
    async with AsyncClient(base_url=gemini_url) as client:
        (await client.post("/emulator/faults/random", json={"rates": {}})).raise_for_status()


async def elevenlabs_state(elevenlabs_url: str) -> dict[str, Any]:
    async with AsyncClient(base_url=elevenlabs_url, timeout=30) as client:
        answer = await client.get("/_emulator/state")
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
        return state


async def gemini_faults(gemini_url: str) -> Counter[str]:
    async with AsyncClient(base_url=gemini_url) as client:
        answer = await client.get("/emulator/requests")
        answer.raise_for_status()
        return Counter(answer.json()["faults"])


async def quiesce(elevenlabs_url: str, *, timeout_s: float = 30.0) -> None:
    """Wait until the emulator has answered every request it received (late work done)."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = await elevenlabs_state(elevenlabs_url)
        if all(call["status"] is not None for call in state["calls"]):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the ElevenLabs emulator still holds requests")
        await asyncio.sleep(0.2)


# ---------------------------------------------------------------------- the performs


@dataclass(frozen=True, slots=True)
class Outcome:
    user_id: uuid.UUID
    request_id: str
    status: int | None  # None: our own cap ran out (the perform hung)
    code: str  # "ok", the error code, or "hang"
    seconds: float
    text: str | None = None


async def drive(
    client: AsyncClient,
    performers: Sequence[tuple[uuid.UUID, dict[str, str]]],
    performs: int,
    *,
    seed: int,
    cap_s: float = 60.0,
) -> list[Outcome]:
    """`performs` performs spread over the performers; each performer's run one after another
    (as on stage), every performer at the same time."""
    rng = random.Random(seed)  # a workload, not a secret
    shares = [performs // len(performers)] * len(performers)
    for i in range(performs % len(performers)):
        shares[i] += 1
    outcomes: list[Outcome] = []

    async def one_performer(user_id: uuid.UUID, headers: dict[str, str], count: int) -> None:
        for _ in range(count):
            routine, value = rng.choice(VALUES)
            request_id = f"soak-{uuid.uuid4().hex}"
            began = time.perf_counter()
            try:
                async with asyncio.timeout(cap_s):
                    response = await client.post(
                        "/api/perform",
                        json={"routine": routine, "value": value},
                        headers={**headers, "X-Request-ID": request_id},
                    )
            except TimeoutError:
                outcomes.append(
                    Outcome(user_id, request_id, None, "hang", time.perf_counter() - began)
                )
                continue
            seconds = time.perf_counter() - began
            body = response.json()
            ok = response.status_code == 200
            outcomes.append(
                Outcome(
                    user_id,
                    request_id,
                    response.status_code,
                    "ok" if ok else str(body.get("error", f"http_{response.status_code}")),
                    seconds,
                    body["text"] if ok else None,
                )
            )

    await asyncio.gather(
        *(
            one_performer(user_id, headers, count)
            for (user_id, headers), count in zip(performers, shares, strict=True)
        )
    )
    return outcomes


async def sweep_once(
    sweeper: CloneSweeper, elevenlabs_url: str, gemini_url: str, *, trust_leases: bool
) -> SweepReport:
    """The provider recovers, its late work lands, then the sweeper runs once."""
    await clear_faults(elevenlabs_url, gemini_url)
    await quiesce(elevenlabs_url)
    return await sweeper.sweep(trust_leases=trust_leases)


# ---------------------------------------------------------------------- the figures


@dataclass
class Figures:
    performs: int
    users: int
    seconds: float
    voices_left: int
    failed_charged: int
    peak_live: int
    voice_limit: int
    outcomes: Counter[str]
    statuses: Counter[int | None]
    latency_ok: tuple[float, float]
    latency_all: tuple[float, float]
    provider_calls: dict[str, int]
    provider_faults: int
    text_faults: Counter[str]
    limit_refusals: int
    sweep: SweepReport
    # the checks on the way
    hangs: int = 0
    server_errors: int = 0
    still_running: int = 0
    held_reservations: int = 0
    disagreements: list[str] = field(default_factory=list)
    wrong_charges: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = []
        if self.voices_left:
            found.append(f"{self.voices_left} voices of ours left at the provider")
        if self.failed_charged:
            found.append(f"{self.failed_charged} characters charged for failed performs")
        if self.peak_live > self.voice_limit:
            found.append(f"peak live voices {self.peak_live} above the limit {self.voice_limit}")
        if self.hangs:
            found.append(f"{self.hangs} performs hung")
        if self.server_errors:
            found.append(f"{self.server_errors} performs answered 500 internal_error")
        if self.still_running:
            found.append(f"{self.still_running} performs left running")
        if self.held_reservations:
            found.append(f"{self.held_reservations} quota reservations left held")
        found.extend(self.disagreements[:5])
        found.extend(self.wrong_charges[:5])
        return found

    def lines(self) -> list[str]:
        ok = self.outcomes.get("ok", 0)
        out = [
            f"fault soak: {self.performs} performs by {self.users} users "
            f"in {self.seconds:.1f} s ({ok} succeeded, {self.performs - ok} failed)",
            f"  (a) voices of ours left at the emulator after one sweep: {self.voices_left}",
            f"  (b) characters charged for failed performs: {self.failed_charged}",
            f"  (c) peak live voices at the emulator: {self.peak_live} (limit {self.voice_limit})",
            "  outcomes: " + ", ".join(f"{code} {n}" for code, n in sorted(self.outcomes.items())),
            "  HTTP statuses: "
            + ", ".join(f"{s} {n}" for s, n in sorted(self.statuses.items(), key=str)),
            f"  latency, succeeded: p50 {self.latency_ok[0]:.2f} s, p95 {self.latency_ok[1]:.2f} s",
            f"  latency, all: p50 {self.latency_all[0]:.2f} s, p95 {self.latency_all[1]:.2f} s",
            f"  ElevenLabs calls: {self.provider_calls} ({self.provider_faults} faulted; "
            f"{self.limit_refusals} refused for the voice limit)",
            "  Gemini answers: "
            + ", ".join(f"{fault} {n}" for fault, n in sorted(self.text_faults.items())),
            f"  sweep: {self.sweep.voices_deleted} voices deleted, {self.sweep.rows_closed} rows "
            f"closed, {len(self.sweep.orphans)} orphans, {self.sweep.delete_failures} failures",
            f"  also: {self.hangs} hung, {self.server_errors} internal errors (500), "
            f"{self.still_running} left running, {self.held_reservations} reservations held, "
            f"{len(self.disagreements)} response/row disagreements, "
            f"{len(self.wrong_charges)} wrong charges",
        ]
        return out


def percentiles(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return (0.0, 0.0)
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return at(0.5), at(0.95)


async def measure(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    elevenlabs_url: str,
    gemini_url: str,
    outcomes: Sequence[Outcome],
    users: int,
    seconds: float,
    sweep: SweepReport,
) -> Figures:
    state = await elevenlabs_state(elevenlabs_url)
    ours = [v for v in state["cloned_voices"] if v["name"].startswith(VOICE_NAME_PREFIX)]
    calls = state["calls"]
    limit_refusals = sum(
        1
        for c in calls
        if c["endpoint"] == "voices.add" and c["status"] == 400 and not c["faulted"]
    )
    request_ids = [o.request_id for o in outcomes]
    user_ids = {o.user_id for o in outcomes}
    async with sessionmaker() as session:
        rows = {
            p.request_id: p
            for p in (
                await session.scalars(select(Perform).where(Perform.user_id.in_(user_ids)))
            ).all()
        }
        entries = (
            await session.scalars(select(UsageEntry).where(UsageEntry.user_id.in_(user_ids)))
        ).all()
    charged_by_request: Counter[str] = Counter()
    for entry in entries:
        charged_by_request[entry.request_id] += entry.charged
    held = sum(1 for entry in entries if entry.status == UsageStatus.reserved)

    cost_factor = settings.cost_factor(settings.elevenlabs_model_id)
    failed_charged = 0
    disagreements: list[str] = []
    wrong_charges: list[str] = []
    for outcome in outcomes:
        row = rows.get(outcome.request_id)
        charged = charged_by_request[outcome.request_id]
        succeeded = row is not None and row.status == PerformStatus.succeeded
        if outcome.code == "ok":
            if not succeeded:
                disagreements.append(f"{outcome.request_id}: 200 but the row is not succeeded")
            expected = billed_chars(outcome.text or "", cost_factor)
            if charged != expected:
                wrong_charges.append(f"{outcome.request_id}: charged {charged}, costs {expected}")
            continue
        # Every response but a 200 is a failed perform: it must not have cost anything.
        failed_charged += charged
        if succeeded:
            disagreements.append(f"{outcome.request_id}: {outcome.code} but the row succeeded")
    unknown = set(rows) - set(request_ids)
    if unknown:
        disagreements.append(f"{len(unknown)} perform rows with no request of the soak")
    still_running = sum(1 for row in rows.values() if row.status == PerformStatus.running)

    ok_seconds = [o.seconds for o in outcomes if o.code == "ok"]
    return Figures(
        performs=len(outcomes),
        users=users,
        seconds=seconds,
        voices_left=len(ours),
        failed_charged=failed_charged,
        peak_live=int(state["peak_live_cloned"]),
        voice_limit=int(state.get("voice_limit", 0)),
        outcomes=Counter(o.code for o in outcomes),
        statuses=Counter(o.status for o in outcomes),
        latency_ok=percentiles(ok_seconds),
        latency_all=percentiles([o.seconds for o in outcomes]),
        provider_calls=dict(state["call_counts"]),
        provider_faults=sum(1 for c in calls if c["faulted"]),
        text_faults=await gemini_faults(gemini_url),
        limit_refusals=limit_refusals,
        sweep=sweep,
        hangs=sum(1 for o in outcomes if o.code == "hang"),
        server_errors=sum(1 for o in outcomes if o.status == 500 or o.code == "internal_error"),
        still_running=still_running,
        held_reservations=held,
        disagreements=disagreements,
        wrong_charges=wrong_charges,
    )
