"""Reading produced memos back with PyAV, as a client's player would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from newvisions.audio.audio_processor import decode_file


@dataclass(frozen=True)
class DecodedMemo:
    format_name: str
    codec: str
    duration_s: float  # what the container declares (edit lists applied)
    tags: dict[str, str]
    samples: npt.NDArray[np.float64]
    sample_rate: int

    def rms_dbfs(self, start_s: float, end_s: float) -> float:
        part = self.samples[int(start_s * self.sample_rate) : int(end_s * self.sample_rate)]
        return float(20 * np.log10(np.sqrt(np.mean(part**2)) + 1e-12))


def decode_memo(path: Path) -> DecodedMemo:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert container.duration is not None
        info = (
            container.format.name,
            stream.codec_context.name,
            container.duration / av.time_base,
            {k.lower(): v for k, v in container.metadata.items()},
        )
    samples, rate = decode_file(path)
    return DecodedMemo(*info, samples=samples, sample_rate=rate)
