"""Decoding: every accepted container, detection from the bytes, hostile and broken files."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc

import av
import numpy as np
import pytest

from newvisions.voice_cloning.recording.decoding import (
    STORE_RATE,
    DecodeLimits,
    decode_recording,
    sniff_format,
)
from newvisions.voice_cloning.recording.exceptions import (
    RecordingDecodeTimeout,
    RecordingFormatUnsupported,
    RecordingTooLong,
    RecordingTooShort,
    RecordingUnreadable,
)
from newvisions.voice_cloning.recording.quality import DurationPolicy
from newvisions.voice_cloning.recording.service import process_recording
from tests.voice_cloning.recording.audio_fixtures import Samples, encode
from tests.voice_cloning.recording.conftest import RATE, seconds

LIMITS = DecodeLimits(max_seconds=60, timeout_s=15)
DURATIONS = DurationPolicy(min_seconds=30, max_seconds=60)


@pytest.mark.parametrize(
    ("kind", "label", "codec"),
    [
        ("wav", "wav", "pcm_s16le"),
        ("flac", "flac", "flac"),
        ("mp3", "mp3", "mp3float"),
        ("ogg", "ogg", "opus"),
        ("webm", "webm", "opus"),
        ("m4a", "mp4", "aac"),
        ("mp4", "mp4", "aac"),
        ("aac", "aac", "aac"),
    ],
)
def test_every_accepted_format_decodes_and_passes(
    speech: Samples, kind: str, label: str, codec: str
) -> None:
    data = encode(seconds(speech, 2, 37), RATE, kind)
    processed = process_recording(data, LIMITS, DURATIONS)
    assert processed.format == label
    assert processed.codec == codec
    # Duration is measured from the samples (AAC adds one priming frame at most).
    assert 34.9 < processed.duration_s < 35.2
    assert processed.flac[:4] == b"fLaC"


def test_stereo_is_mixed_to_mono_and_stored_as_flac_at_44k(speech: Samples) -> None:
    data = encode(seconds(speech, 0, 32), RATE, "wav", channels=2)
    decoded = decode_recording(data, LIMITS)
    assert decoded.channels == 2
    assert decoded.store_samples.ndim == 1
    processed = process_recording(data, LIMITS, DURATIONS)
    with av.open(io.BytesIO(processed.flac)) as stored:
        stream = stored.streams.audio[0]
        assert stream.codec_context.name == "flac"
        assert stream.codec_context.sample_rate == STORE_RATE
        assert stream.codec_context.channels == 1
        samples = (
            np.concatenate([f.to_ndarray().reshape(-1) for f in stored.decode(audio=0)]).astype(
                np.float64
            )
            / 32768.0
        )
    # normalised: peak at -1 dBFS
    assert 0.88 < float(np.max(np.abs(samples))) < 0.9


def test_format_comes_from_the_bytes_not_the_name() -> None:
    assert sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") is not None
    assert sniff_format(b"#EXTM3U\nhttp://example.com/a.ts") is None  # playlists never open
    assert sniff_format(b"ffconcat version 1.0\nfile /etc/passwd") is None
    assert sniff_format(b"<html><body>hello</body></html>") is None
    assert sniff_format(b"\xff\xfd\x00\x00") is None  # MPEG layer I/II: not a phone recording
    with pytest.raises(RecordingFormatUnsupported):
        decode_recording(b"just some text, definitely not audio" * 10, LIMITS)


def test_garbage_behind_a_valid_magic_number_is_unreadable() -> None:
    rng = np.random.default_rng(3)
    for magic in (b"OggS", b"fLaC", b"\x1a\x45\xdf\xa3", b"ID3\x04"):
        data = magic + rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes()
        with pytest.raises(RecordingUnreadable):
            decode_recording(data, LIMITS)


def test_truncated_files_are_refused_cleanly(speech: Samples) -> None:
    m4a = encode(seconds(speech, 0, 40), RATE, "m4a")  # index (moov) at the end
    with pytest.raises(RecordingUnreadable):
        decode_recording(m4a[: len(m4a) // 2], LIMITS)
    webm = encode(seconds(speech, 0, 40), RATE, "webm")
    with pytest.raises(RecordingTooShort):  # the first half still plays: 20 s
        process_recording(webm[: len(webm) // 2], LIMITS, DURATIONS)
    with pytest.raises(RecordingUnreadable):
        decode_recording(webm[:200], LIMITS)


def test_declared_length_is_not_trusted(speech: Samples) -> None:
    """A WAV header claiming an hour of audio with 31 s inside: 31 s is what counts."""
    wav = bytearray(encode(seconds(speech, 0, 31), RATE, "wav"))
    data_at = wav.index(b"data")
    struct.pack_into("<I", wav, data_at + 4, 3600 * RATE * 2)
    struct.pack_into("<I", wav, 4, 3600 * RATE * 2 + 36)
    processed = process_recording(bytes(wav), LIMITS, DURATIONS)
    assert 30.9 < processed.duration_s < 31.1


def _hour_of_silence_flac() -> bytes:
    """20 minutes of digital silence: FLAC packs it into a few hundred kilobytes."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=8_000)
        stream.layout = "mono"
        block = np.zeros((1, 8_000 * 10), dtype=np.int16)
        for _ in range(120):
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.sample_rate = 8_000
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def test_small_file_expanding_to_long_audio_is_stopped_early_with_bounded_memory() -> None:
    data = _hour_of_silence_flac()
    assert len(data) < 1_000_000
    fully_decoded_bytes = 20 * 60 * STORE_RATE * 4  # what an unbounded decoder would hold
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(RecordingTooLong):
            decode_recording(data, LIMITS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    # 60 s at 44.1 kHz + 61 s at 16 kHz of float32 is ~14.5 MB; the whole file would be 212 MB.
    assert peak < 40_000_000, peak
    assert peak < fully_decoded_bytes / 5
    assert elapsed < 10


def test_decoding_stops_when_its_time_is_spent(speech: Samples) -> None:
    data = encode(seconds(speech, 0, 40), RATE, "webm")
    with pytest.raises(RecordingDecodeTimeout):
        decode_recording(data, DecodeLimits(max_seconds=60, timeout_s=0.0))


def test_too_long_is_measured_while_decoding(speech: Samples) -> None:
    data = encode(np.concatenate([speech, speech])[: 61 * RATE], RATE, "ogg")
    with pytest.raises(RecordingTooLong) as refused:
        decode_recording(data, LIMITS)
    assert "60 seconds" in refused.value.detail


@pytest.mark.parametrize(("kind", "length"), [("m4a", 60.0), ("webm", 30.0), ("aac", 30.0)])
def test_recordings_of_exactly_the_limits_are_accepted(
    speech: Samples, kind: str, length: float
) -> None:
    """Codec padding (AAC's priming frame) must not push a 60.0 s recording over the limit."""
    data = encode(np.concatenate([speech, speech])[: int(length * RATE)], RATE, kind)
    processed = process_recording(data, LIMITS, DURATIONS)
    assert abs(processed.duration_s - length) < 0.2
