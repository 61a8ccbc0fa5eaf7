"""The fake microphone's speech shares the process's espeak-ng with the offline voice engine."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

PROGRAM = """
import sys
from pathlib import Path
from newvisions.voice_cloning.providers.offline.espeak import EspeakLibrary
from tests.webapp.speech import synthesise

EspeakLibrary.get().speak("before", "en-us", 150, 50)
assert synthesise(Path(sys.argv[1]), min_seconds=3.0) >= 3.0
import gc; gc.collect()
# A second initialisation used to leave espeak-ng calling a freed callback: a crash here.
assert len(EspeakLibrary.get().speak("Soñé con la reina de tréboles.", "es+f3", 160, 50)) > 0
"""


async def test_the_engine_still_speaks_after_the_fake_microphone_was_made(tmp_path: Path) -> None:
    result = await anyio.run_process(
        [sys.executable, "-c", PROGRAM, str(tmp_path / "speech.wav")], check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
