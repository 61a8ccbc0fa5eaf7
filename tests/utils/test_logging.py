"""Log lines as a deployment reads them."""

from __future__ import annotations

import json
import subprocess
import sys

_EMIT = """
import structlog
from newvisions.utils.logging import configure_logging
configure_logging(json_logs=True)
structlog.get_logger("probe").info("probe.hello", n=1)
"""


def test_json_lines_name_the_process_that_wrote_them() -> None:
    """Several workers write to one stream: each line carries its worker's pid."""
    # A process of its own: configuring logging here would rewire the test run's handlers.
    child = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _EMIT], stderr=subprocess.PIPE, text=True
    )
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    (line,) = [json.loads(raw) for raw in stderr.splitlines() if "probe.hello" in raw]
    assert line["pid"] == child.pid
    assert line["n"] == 1
