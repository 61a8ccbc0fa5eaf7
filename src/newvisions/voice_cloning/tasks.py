"""Background work of the clone workflow: the periodic sweeper, led by one worker at a time."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import structlog

from newvisions.voice_cloning.coordination import CloneCoordinator
from newvisions.voice_cloning.sweeper import CloneSweeper, SweepReport

log = structlog.get_logger(__name__)

SWEEPER_ROLE = "clone-sweeper"
MIN_LEADERSHIP_S = 30.0
RESTART_MARGIN = 1.1  # the second start-up pass waits a little longer than one lease


class SweeperLoop:
    """Runs the sweeper at start and then every `interval_s`, only while this worker leads
    (the start-up passes run in every worker).

    Leadership is a key with an expiry in the coordinator (Redis `SET NX PX` across workers),
    renewed on every pass; when the leader dies another worker takes over after the expiry.
    """

    def __init__(
        self,
        sweeper: CloneSweeper,
        coordinator: CloneCoordinator,
        *,
        interval_s: float,
        trust_leases: bool,
        lease_s: float = 0.0,
    ) -> None:
        self._sweeper = sweeper
        self._coordinator = coordinator
        self._interval_s = interval_s
        self._trust_leases = trust_leases
        self._lease_s = lease_s
        self._token = uuid.uuid4().hex
        self._lead_ttl_s = max(MIN_LEADERSHIP_S, interval_s * 3)
        self._task: asyncio.Task[None] | None = None
        # Checked between passes: a cancellation redis-py swallows mid-command must not keep
        # the loop (and the worker's shutdown, which waits for it) going.
        self._stopping = False
        self.first_pass_done = asyncio.Event()

    async def run_once(self) -> SweepReport | None:
        """Sweep if this worker is (or becomes) the leader; None when another one leads."""
        if not await self._coordinator.try_lead(SWEEPER_ROLE, self._token, self._lead_ttl_s):
            return None
        return await self._sweeper.sweep(trust_leases=self._trust_leases)

    async def _safe_pass(self, *, lead: bool = True) -> None:
        try:
            if lead:
                await self.run_once()
            else:
                await self._sweeper.sweep(trust_leases=self._trust_leases)
        except Exception:
            log.exception("voice_clone.sweep_failed")

    async def _forever(self) -> None:
        # Leftovers of a previous run, right at start and whoever leads: a worker killed while
        # leading keeps its leadership until that expires, and passes are safe side by side.
        await self._safe_pass(lead=False)
        self.first_pass_done.set()
        if self._coordinator.shared and self._lease_s > 0:
            # A killed worker's slot leases outlive it by up to one lease lifetime, so the first
            # pass still sees its clones as in progress: sweep again once those have expired.
            await asyncio.sleep(self._lease_s * RESTART_MARGIN)
            if self._stopping:
                return
            await self._safe_pass(lead=False)
        while self._interval_s > 0 and not self._stopping:
            await asyncio.sleep(self._interval_s)
            if self._stopping:
                return
            await self._safe_pass()

    async def start(self) -> None:
        """Start sweeping in the background: a slow provider must not hold up the start."""
        self._task = asyncio.create_task(self._forever(), name="voice-clone-sweeper")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
