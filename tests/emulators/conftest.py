"""The emulator fixtures live with the clone workflow's; the same session server is shared."""

from tests.voice_cloning.conftest import emulator, emulator_server

__all__ = ["emulator", "emulator_server"]
