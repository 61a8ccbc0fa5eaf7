"""The live app and both emulators of the perform tests, for the fault soak."""

from __future__ import annotations

from tests.perform.conftest import (  # noqa: F401 - fixtures
    committed_engine,
    emulator,
    emulator_server,
    good_webm,
    live_app,
    running_emulator,
    speech,
)
