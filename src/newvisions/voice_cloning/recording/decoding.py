"""Decode an uploaded recording in-process with PyAV, with every hostile case bounded.

The container is chosen from the file's own first bytes (never from the client's MIME type)
and opened with that demuxer only, from memory, so FFmpeg never probes for exotic formats
(playlists, concat lists) or opens anything else. Decoding stops as soon as the audio is
longer than allowed or the time budget is spent, so a small file that expands to hours of
audio costs at most `max_seconds` of samples and `timeout_s` of CPU.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import av
import av.error
import numpy as np
import numpy.typing as npt

from newvisions.voice_cloning.recording.exceptions import (
    RecordingDecodeTimeout,
    RecordingFormatUnsupported,
    RecordingTooLong,
    RecordingUnreadable,
)

STORE_RATE = 44_100  # the stored, normalised copy
ANALYSIS_RATE = 16_000  # voice activity and the voice analysis work at 16 kHz
MAX_CHANNELS = 8
MAX_SOURCE_RATE = 384_000
# A sample at or above this magnitude (-0.9 dBFS) counts as clipped: lossy codecs smear a
# clipped waveform, so few samples stay exactly at full scale, but many pile up just below.
# Clean speech, even peak-normalised to 0.99, has under 0.01 % of samples this high.
CLIP_LEVEL = 0.9
# Codecs pad: AAC adds a priming frame, so 60.000 s recorded decodes to ~60.06 s. Durations
# within this margin of a limit are accepted.
DURATION_MARGIN_S = 0.5

# Decoders a phone or browser recording may need, per container we accept.
_AUDIO_CODECS = frozenset(
    {
        "opus",
        "vorbis",
        "aac",
        "mp3",
        "mp3float",
        "flac",
        "alac",
        "pcm_s16le",
        "pcm_s24le",
        "pcm_s32le",
        "pcm_f32le",
        "pcm_f64le",
        "pcm_u8",
        "pcm_mulaw",
        "pcm_alaw",
    }
)


@dataclass(frozen=True, slots=True)
class SniffedFormat:
    label: str  # what we report: webm, ogg, mp4, mp3, aac, wav, flac
    demuxer: str  # the only FFmpeg demuxer allowed to open it


def sniff_format(head: bytes) -> SniffedFormat | None:
    """The container, from magic numbers in the first bytes; None when it is not audio we take."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return SniffedFormat("wav", "wav")
    if head[:4] == b"fLaC":
        return SniffedFormat("flac", "flac")
    if head[:4] == b"OggS":
        return SniffedFormat("ogg", "ogg")
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska, of which WebM is a profile
        return SniffedFormat("webm", "matroska")
    if head[4:8] == b"ftyp":  # ISO base media: mp4, m4a, 3gp, mov
        return SniffedFormat("mp4", "mov")
    if head[:3] == b"ID3":
        return SniffedFormat("mp3", "mp3")
    if len(head) >= 2 and head[0] == 0xFF:
        layer = (head[1] >> 1) & 0b11
        if head[1] & 0xF6 == 0xF0:  # ADTS sync word with layer 00: raw AAC
            return SniffedFormat("aac", "aac")
        if head[1] & 0xE0 == 0xE0 and layer == 0b01:  # MPEG audio frame, layer III
            return SniffedFormat("mp3", "mp3")
    return None


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    max_seconds: float
    timeout_s: float


@dataclass(frozen=True, slots=True)
class DecodedRecording:
    format: str
    codec: str
    channels: int
    source_rate: int
    store_samples: npt.NDArray[np.float32]  # mono at STORE_RATE
    analysis_samples: npt.NDArray[np.float32]  # mono at ANALYSIS_RATE
    clipping_ratio: float  # share of source samples (all channels) at full scale

    @property
    def duration_s(self) -> float:
        return len(self.store_samples) / STORE_RATE


class _Collector:
    """Mono float32 chunks from one resampler, refusing to grow beyond `max_samples`."""

    def __init__(self, rate: int, max_samples: int) -> None:
        self.resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        self.max_samples = max_samples
        self.chunks: list[npt.NDArray[np.float32]] = []
        self.count = 0

    def add(self, frame: av.AudioFrame | None) -> None:
        for out in self.resampler.resample(frame):
            chunk = np.array(out.to_ndarray(), dtype=np.float32).reshape(-1)
            self.count += len(chunk)
            if self.count > self.max_samples:
                raise _TooLong
            self.chunks.append(chunk)

    def samples(self) -> npt.NDArray[np.float32]:
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self.chunks)


class _TooLong(Exception):
    pass


def _full_scale(frame: av.AudioFrame) -> tuple[int, int]:
    """(samples at full scale, samples) in one decoded frame, all channels."""
    raw = frame.to_ndarray()
    if raw.dtype.kind == "f":
        values = np.abs(raw)
    elif raw.dtype.kind == "u":  # 8-bit PCM is offset binary
        values = np.abs(raw.astype(np.float32) - 128.0) / 128.0
    else:
        full_scale = float(2 ** (8 * raw.dtype.itemsize - 1))
        values = np.abs(raw.astype(np.float32)) / full_scale
    return int(np.count_nonzero(values >= CLIP_LEVEL)), int(values.size)


def decode_recording(data: bytes, limits: DecodeLimits) -> DecodedRecording:
    """Decode to mono at the storage and analysis rates, or raise the specific refusal.

    Blocking and CPU-bound: call it from a worker thread.
    """
    sniffed = sniff_format(data[:16])
    if sniffed is None:
        raise RecordingFormatUnsupported()
    deadline = time.monotonic() + limits.timeout_s
    longest = limits.max_seconds + DURATION_MARGIN_S
    store = _Collector(STORE_RATE, int(longest * STORE_RATE))
    analysis = _Collector(ANALYSIS_RATE, int(longest * ANALYSIS_RATE) + ANALYSIS_RATE)
    clipped = total = 0
    try:
        with av.open(io.BytesIO(data), mode="r", format=sniffed.demuxer) as container:
            if not container.streams.audio:
                raise RecordingUnreadable("This file has no sound in it. Please record again.")
            stream = container.streams.audio[0]
            codec = stream.codec_context.name
            channels = stream.codec_context.channels
            rate = stream.codec_context.sample_rate
            if codec not in _AUDIO_CODECS:
                raise RecordingFormatUnsupported()
            if not (0 < channels <= MAX_CHANNELS) or not (0 < rate <= MAX_SOURCE_RATE):
                raise RecordingUnreadable()
            for packet in container.demux(stream):
                if time.monotonic() > deadline:
                    raise RecordingDecodeTimeout()
                for frame in packet.decode():
                    assert isinstance(frame, av.AudioFrame)
                    hits, count = _full_scale(frame)
                    clipped += hits
                    total += count
                    store.add(frame)
                    analysis.add(frame)
            store.add(None)
            analysis.add(None)
    except _TooLong:
        raise RecordingTooLong(
            f"Your recording is longer than {limits.max_seconds:g} seconds. "
            "Record a shorter one and upload it again."
        ) from None
    except (av.error.FFmpegError, ValueError, EOFError) as exc:
        raise RecordingUnreadable() from exc
    if store.count == 0:
        raise RecordingUnreadable()
    return DecodedRecording(
        format=sniffed.label,
        codec=codec,
        channels=channels,
        source_rate=rate,
        store_samples=store.samples(),
        analysis_samples=analysis.samples(),
        clipping_ratio=clipped / total if total else 0.0,
    )


def decode_stored(path: str, rate: int = ANALYSIS_RATE) -> npt.NDArray[np.float32]:
    """Our own stored FLAC back to mono float32 (for analysis); trusted input."""
    collector = _Collector(rate, 2**40)
    with av.open(path, mode="r", format="flac") as container:
        for frame in container.decode(audio=0):
            collector.add(frame)
        collector.add(None)
    return collector.samples()


def encode_flac(samples: npt.NDArray[np.float32], rate: int) -> bytes:
    """Mono 16-bit FLAC: lossless from what we decoded, and accepted by cloning services."""
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=rate)
        stream.layout = "mono"
        step = 4096
        for start in range(0, len(pcm), step):
            frame = av.AudioFrame.from_ndarray(
                pcm[start : start + step].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
