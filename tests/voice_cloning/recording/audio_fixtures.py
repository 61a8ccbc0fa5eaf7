"""Test recordings made on the fly: simple signals, and every container we accept."""

from __future__ import annotations

import io

import av
import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]


def noise(seconds: float, rate: int = 16_000, *, level: float = 0.1, seed: int = 1) -> Samples:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * rate)) * level).astype(np.float32)


def silence(seconds: float, rate: int = 16_000) -> Samples:
    return np.zeros(int(seconds * rate), dtype=np.float32)


# container format, codec, sample format, rate used for each accepted kind of file
_ENCODINGS = {
    "wav": ("wav", "pcm_s16le", "s16", None),
    "flac": ("flac", "flac", "s16", None),
    "mp3": ("mp3", "libmp3lame", "fltp", None),
    "ogg": ("ogg", "libopus", "flt", 48_000),
    "webm": ("webm", "libopus", "flt", 48_000),
    "m4a": ("ipod", "aac", "fltp", None),
    "mp4": ("mp4", "aac", "fltp", None),
    "aac": ("adts", "aac", "fltp", None),
}


def encode(samples: Samples, rate: int, kind: str, *, channels: int = 1) -> bytes:
    """`samples` (mono float32) as a file of `kind`; stereo duplicates the channel."""
    container_format, codec, sample_format, codec_rate = _ENCODINGS[kind]
    if codec_rate and codec_rate != rate:
        samples = _resample(samples, rate, codec_rate)
        rate = codec_rate
    layout = "mono" if channels == 1 else "stereo"
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = layout  # type: ignore[union-attr]
        if codec in ("aac", "libmp3lame"):
            stream.bit_rate = 128_000
        clipped = np.clip(samples, -1.0, 1.0)
        step = 960 * 4
        for start in range(0, len(clipped), step):
            block = np.tile(clipped[start : start + step], (channels, 1))
            if sample_format == "s16":
                data = np.round(block * 32767).astype(np.int16)
                data = data.T.reshape(1, -1) if channels > 1 else data
            elif sample_format == "flt":
                data = block.T.reshape(1, -1) if channels > 1 else block
            else:
                data = block
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data), format=sample_format, layout=layout
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):  # type: ignore[union-attr]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            container.mux(packet)
    return buffer.getvalue()


def _resample(samples: Samples, rate: int, to_rate: int) -> Samples:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=to_rate)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = rate
    chunks = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(chunks).astype(np.float32)
