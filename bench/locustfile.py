"""Locust users for bench/load.py: one class per route, so each route is its own closed loop.

Run by bench/load.py as `locust -f bench/locustfile.py --headless ...`. Every response time is
kept (Locust's own statistics round them) and written as JSON to $NV_BENCH_RESULT on exit.
The access token comes from $NV_BENCH_TOKEN.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

ME_PATH = "/api/users/me"
BARE_PATH = "/bench/bare"

_times: dict[str, list[float]] = {}
_failures: dict[str, int] = {}
_errors: dict[str, str] = {}
_window: dict[str, float] = {}


class MeUser(FastHttpUser):
    """An authenticated performer asking who they are, as fast as the server answers."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {os.environ['NV_BENCH_TOKEN']}"}

    @task
    def me(self) -> None:
        self.client.get(ME_PATH, headers=self.headers, name=ME_PATH)


class BareUser(FastHttpUser):
    """The same loop on a route that does nothing but answer a small JSON object."""

    wait_time = constant(0)

    @task
    def bare(self) -> None:
        self.client.get(BARE_PATH, name=BARE_PATH)


@events.test_start.add_listener
def _started(environment: Environment, **_kwargs: Any) -> None:
    _window["start"] = time.perf_counter()


@events.test_stop.add_listener
def _stopped(environment: Environment, **_kwargs: Any) -> None:
    _window["stop"] = time.perf_counter()


@events.request.add_listener
def _record(name: str, response_time: float, exception: Exception | None, **_kw: Any) -> None:
    if exception is None:
        _times.setdefault(name, []).append(response_time)
    else:
        _failures[name] = _failures.get(name, 0) + 1
        _errors.setdefault(name, repr(exception)[:300])


@events.quitting.add_listener
def _write(environment: Environment, **_kwargs: Any) -> None:
    path = os.environ.get("NV_BENCH_RESULT")
    if not path:
        return
    seconds = _window.get("stop", time.perf_counter()) - _window.get("start", time.perf_counter())
    with Path(path).open("w", encoding="utf-8") as out:
        json.dump(
            {"seconds": seconds, "times_ms": _times, "failures": _failures, "errors": _errors},
            out,
        )
