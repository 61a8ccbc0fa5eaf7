"""Hostile uploads for the recording intake, each with the refusal it must get.

Used by test_hostile_uploads.py (in process) and bench/hostile_audio.py (a real server,
whose peak memory is measured). Cases that test_router.py and test_decoding.py already send
through their own tests are marked `covered` and skipped by the short form.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import av
import numpy as np

from tests.voice_cloning.recording.audio_fixtures import Samples, encode, noise, silence

RATE = 16_000


@dataclass(frozen=True)
class Hostile:
    name: str
    data: bytes
    filename: str
    mime: str
    status: int
    codes: tuple[str, ...]  # the specific refusal (a second one only where noted)
    covered: bool = False  # already sent over HTTP by test_router.py


def wav(pcm: np.ndarray, rate: int) -> bytes:
    """16-bit PCM WAV, written by hand so any channel count and rate can be declared."""
    channels = pcm.shape[1]
    data = np.ascontiguousarray(pcm, dtype="<i2").tobytes()
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(data),
        b"WAVE",
        b"fmt ",
        16,
        1,
        channels,
        rate,
        rate * channels * 2,
        channels * 2,
        16,
        b"data",
        len(data),
    )
    return header + data


def silent_flac(seconds: float, rate: int, channels: int) -> bytes:
    """Digital silence as FLAC: a few kilobytes that decode to `seconds` of audio."""
    layouts = {1: "mono", 2: "stereo", 8: "7.1"}
    layout = layouts[channels]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=rate)
        stream.layout = layout  # type: ignore[union-attr]
        step = 4608
        total = int(seconds * rate)
        block = np.zeros((1, step * channels), dtype=np.int16)
        for start in range(0, total, step):
            count = min(step, total - start)
            frame = av.AudioFrame.from_ndarray(
                block[:, : count * channels], format="s16", layout=layout
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):  # type: ignore[union-attr]
                container.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            container.mux(packet)
    return buffer.getvalue()


def _speech_at(speech: Samples, start: float, length: float) -> Samples:
    looped = np.concatenate([speech, speech])
    return looped[int(start * RATE) : int((start + length) * RATE)]


def hostile_corpus(speech: Samples) -> list[Hostile]:
    """`speech`: at least 80 s of 16 kHz speech (the espeak-ng fixture)."""
    m4a = encode(_speech_at(speech, 0, 40), RATE, "m4a")
    webm = encode(_speech_at(speech, 0, 40), RATE, "webm")
    rng = np.random.default_rng(7)
    random_bytes = bytes([0x42]) + rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    hours_wav = bytearray(wav(np.zeros((RATE, 1), dtype=np.int16), RATE))  # 1 s inside
    struct.pack_into("<I", hours_wav, 40, 3 * 3600 * RATE * 2)  # the data chunk claims 3 h
    struct.pack_into("<I", hours_wav, 4, 3 * 3600 * RATE * 2 + 36)
    speech_pcm = np.round(_speech_at(speech, 0, 1.5) * 32767).astype(np.int16)
    upsampled = np.repeat(speech_pcm, 24)  # 16 kHz -> 384 kHz, crude but it is sound
    eight_channels = np.tile(upsampled.reshape(-1, 1), (1, 8))
    unreadable = "recording_unreadable"
    return [
        Hostile("zero bytes", b"", "voice.webm", "audio/webm", 422, ("recording_file_missing",)),
        Hostile(
            "random bytes",
            random_bytes,
            "voice.mp3",
            "audio/mpeg",
            415,
            ("recording_format_unsupported",),
        ),
        Hostile(
            "PNG named .m4a (wrong extension)",
            b"\x89PNG\r\n\x1a\n" + rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes(),
            "voice.m4a",
            "audio/mp4",
            415,
            ("recording_format_unsupported",),
        ),
        Hostile(
            "PDF named .webm (wrong extension)",
            b"%PDF-1.7\n" + b"\0" * 5000,
            "voice.webm",
            "audio/webm",
            415,
            ("recording_format_unsupported",),
            covered=True,
        ),
        Hostile(
            "random bytes behind an Ogg magic number",
            b"OggS" + bytes(range(256)) * 100,
            "voice.ogg",
            "audio/ogg",
            422,
            (unreadable,),
            covered=True,
        ),
        Hostile(
            "truncated m4a (first half, index missing)",
            m4a[: len(m4a) // 2],
            "voice.m4a",
            "audio/mp4",
            422,
            (unreadable,),
        ),
        Hostile(
            "truncated webm (first 200 bytes)",
            webm[:200],
            "voice.webm",
            "audio/webm",
            422,
            (unreadable,),
        ),
        Hostile(
            "truncated webm (first half: 20 s still play)",
            webm[: len(webm) // 2],
            "voice.webm",
            "audio/webm",
            422,
            ("recording_too_short",),
        ),
        Hostile(
            "44-byte WAV header claiming 3 hours, 1 s inside",
            bytes(hours_wav),
            "voice.wav",
            "audio/wav",
            422,
            ("recording_too_short",),
        ),
        Hostile(
            "small FLAC expanding to 20 min of audio",
            silent_flac(20 * 60, 8_000, 1),
            "voice.flac",
            "audio/flac",
            422,
            ("recording_too_long",),
        ),
        Hostile(
            "8 channels at 384 kHz, 1.5 s of speech (WAV, 9 MB)",
            wav(eight_channels, 384_000),
            "voice.wav",
            "audio/wav",
            422,
            ("recording_too_short",),
        ),
        Hostile(
            # Decoding 123 million samples takes ~8 s on a busy 2-core machine; when it takes
            # longer than the decode budget (15 s) the refusal is the timeout instead.
            "8 channels at 384 kHz, 40 s of silence (FLAC)",
            silent_flac(40, 384_000, 8),
            "voice.flac",
            "audio/flac",
            422,
            ("recording_mostly_silent", "recording_decode_timeout"),
        ),
        Hostile(
            "9 channels (more than any phone records)",
            wav(np.zeros((RATE * 35, 9), dtype=np.int16), RATE),
            "voice.wav",
            "audio/wav",
            422,
            (unreadable,),
        ),
        Hostile(
            "768 kHz sample rate",
            wav(np.zeros((768_000 * 2, 1), dtype=np.int16), 768_000),
            "voice.wav",
            "audio/wav",
            422,
            (unreadable,),
        ),
        Hostile(
            "40 s of digital silence",
            encode(silence(40), RATE, "webm"),
            "voice.webm",
            "audio/webm",
            422,
            ("recording_mostly_silent",),
        ),
        Hostile(
            "40 s of white noise",
            encode(noise(40, level=0.25, seed=5), RATE, "m4a"),
            "voice.m4a",
            "audio/mp4",
            422,
            ("recording_no_speech",),
        ),
        Hostile(
            "61 s of speech",
            encode(_speech_at(speech, 0, 61), RATE, "m4a"),
            "voice.m4a",
            "audio/mp4",
            422,
            ("recording_too_long",),
        ),
        Hostile(
            "29 s of speech",
            encode(_speech_at(speech, 0, 29), RATE, "webm"),
            "voice.webm",
            "audio/webm",
            422,
            ("recording_too_short",),
        ),
        Hostile(
            "11 MB of WAV (over the 10 MB limit)",
            wav(np.zeros((11 * 1024 * 1024 // 2, 1), dtype=np.int16), RATE),
            "voice.wav",
            "audio/wav",
            413,
            ("recording_too_large",),
            covered=True,
        ),
    ]
