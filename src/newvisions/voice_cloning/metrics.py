"""Prometheus metrics of the ephemeral clone workflow."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CLONE_CREATES = Counter(
    "nv_voice_clone_creates_total",
    "Temporary voice creations by provider and outcome (ok, or the error code).",
    ["provider", "outcome"],
)
CLONE_DELETES = Counter(
    "nv_voice_clone_deletes_total",
    "Temporary voice deletions by provider, by whom (workflow or sweeper) and outcome.",
    ["provider", "by", "outcome"],
)
CLONE_LIFETIME = Histogram(
    "nv_voice_clone_lifetime_seconds",
    "From creation to deletion of a temporary voice (target: under 30 s).",
    ["provider"],
    buckets=(0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0),
)
SLOT_WAIT = Histogram(
    "nv_voice_clone_slot_wait_seconds",
    "Time a perform waited for its user lock and a voice slot.",
    ["outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0),
)
LIVE_CLONES = Gauge(
    "nv_voice_clones_live",
    "Temporary voices held at the provider right now (summed over live worker processes).",
    ["provider"],
    multiprocess_mode="livesum",
)
SWEEPER_RUNS = Counter(
    "nv_voice_clone_sweeps_total", "Sweeper passes by outcome (ok, failed).", ["outcome"]
)
