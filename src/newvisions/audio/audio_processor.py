"""Signal processing that turns clean synthetic speech into a believable phone voice memo.

Pure functions over numpy arrays (no I/O except `encode_file`/`decode_file`): resampling,
a phone microphone's low cut, room tone, a fan/room ambience generated from noise (no
recording is shipped), ITU-R BS.1770 loudness normalisation (pyloudnorm) with a peak limiter,
and in-process encoding with PyAV. Everything here is CPU-bound and synchronous: callers on
the event loop run it in a worker thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pyloudnorm
from scipy import fft as sp_fft
from scipy import signal
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from newvisions.config.settings import AudioFormat

Samples = npt.NDArray[np.float64]

MEMO_SAMPLE_RATE = 44_100
BITRATE = 64_000  # mono, what phone voice-memo apps record at
PEAK_CEILING_DB = -2.0  # AAC and MP3 overshoot true peaks by up to ~1 dB
ROOM_TONE_DBFS = -62.0  # a phone microphone's self-noise in a quiet room
SILENCE_LUFS = -70.0  # the BS.1770 absolute gate: anything below counts as silence
# The fan sits this many LU under the speech at background_volume 0 → 100.
BACKGROUND_RELATIVE_LU = (-36.0, -8.0)


@dataclass(frozen=True, slots=True)
class Container:
    muxer: str
    codec: str
    mime: str


CONTAINERS = {
    AudioFormat.m4a: Container(muxer="ipod", codec="aac", mime="audio/mp4"),
    AudioFormat.mp3: Container(muxer="mp3", codec="libmp3lame", mime="audio/mpeg"),
}


class AudioProcessingError(Exception):
    """The input cannot be turned into a memo (empty, not finite, not decodable)."""


def to_memo_rate(samples: npt.NDArray[np.floating], sample_rate: int) -> Samples:
    """Mono float64 at MEMO_SAMPLE_RATE, checked for content a memo can be made of."""
    audio = np.asarray(samples, dtype=np.float64).reshape(-1)
    if audio.size == 0 or sample_rate <= 0:
        raise AudioProcessingError("the speech has no samples")
    if not np.all(np.isfinite(audio)):
        raise AudioProcessingError("the speech contains invalid samples")
    if sample_rate != MEMO_SAMPLE_RATE:
        ratio = Fraction(MEMO_SAMPLE_RATE, sample_rate)
        audio = signal.resample_poly(audio, ratio.numerator, ratio.denominator)
    return audio - float(np.mean(audio))


def phone_microphone(audio: Samples, sample_rate: int = MEMO_SAMPLE_RATE) -> Samples:
    """The low cut of a phone's microphone and voice-memo app (below ~90 Hz)."""
    sos = signal.butter(2, 90.0, btype="highpass", fs=sample_rate, output="sos")
    return np.asarray(signal.sosfilt(sos, audio), dtype=np.float64)


def _noise_length(n: int) -> int:
    """An FFT-friendly length ≥ n: noise is made that long and cut (odd sizes are slow)."""
    return int(sp_fft.next_fast_len(n, real=True))


def _shaped_noise(
    n: int, rng: np.random.Generator, gain_at: npt.NDArray[np.float64] | None
) -> Samples:
    """n samples of white noise coloured in the frequency domain by `gain_at` magnitudes
    (given for the rfft bins of `_noise_length(n)`)."""
    size = _noise_length(n)
    spectrum = rng.standard_normal(size // 2 + 1) + 1j * rng.standard_normal(size // 2 + 1)
    if gain_at is not None:
        spectrum *= gain_at
    noise = sp_fft.irfft(spectrum, size)[:n]
    rms = float(np.sqrt(np.mean(noise**2))) or 1.0
    return np.asarray(noise / rms, dtype=np.float64)


def room_tone(n: int, rng: np.random.Generator, sample_rate: int = MEMO_SAMPLE_RATE) -> Samples:
    """Pink-ish noise at a microphone's self-noise level: the sound of a quiet room."""
    freqs = np.fft.rfftfreq(_noise_length(n), 1.0 / sample_rate)
    pink = 1.0 / np.sqrt(np.maximum(freqs, 20.0))
    return _shaped_noise(n, rng, pink) * 10 ** (ROOM_TONE_DBFS / 20)


def fan_ambience(n: int, rng: np.random.Generator, sample_rate: int = MEMO_SAMPLE_RATE) -> Samples:
    """A running fan heard from across a room, at unit RMS.

    Air noise is brown-to-pink noise with a broad hump a few hundred hertz wide and a soft
    roll-off above ~2.5 kHz; the motor adds a low hum with harmonics; the blades make the air
    noise pulse slightly, and the whole thing drifts slowly in level. Each memo draws its own
    fan (speed, hum pitch), so no two backgrounds are identical.
    """
    freqs = np.fft.rfftfreq(_noise_length(n), 1.0 / sample_rate)
    f = np.maximum(freqs, 20.0)
    hump_hz = rng.uniform(250.0, 600.0)
    rolloff_hz = rng.uniform(1800.0, 3200.0)
    shape = (
        f**-0.75
        * (1.0 + (hump_hz / f) ** 2) ** -0.5  # low side of the hump
        * (1.0 + (f / rolloff_hz) ** 4) ** -0.5  # roll-off of the air noise
        * (1.0 + (f / hump_hz) ** 2) ** 0.25  # keeps some body above the hump
    )
    air = _shaped_noise(n, rng, shape)

    t = np.arange(n) / sample_rate
    blade_hz = rng.uniform(12.0, 25.0)
    pulse = 1.0 + 0.06 * np.sin(2 * np.pi * blade_hz * t + rng.uniform(0, 2 * np.pi))
    drift_points = max(2, int(n / sample_rate) + 2)
    drift_db = np.interp(
        t, np.linspace(0.0, t[-1] if n > 1 else 1.0, drift_points), rng.normal(0, 0.6, drift_points)
    )
    hum_hz = rng.uniform(95.0, 130.0)
    hum = sum(
        amplitude * np.sin(2 * np.pi * hum_hz * k * t + rng.uniform(0, 2 * np.pi))
        for k, amplitude in ((1, 0.12), (2, 0.05), (3, 0.025))
    )
    fan = (air * pulse + hum) * 10 ** (drift_db / 20)
    rms = float(np.sqrt(np.mean(fan**2))) or 1.0
    return np.asarray(fan / rms, dtype=np.float64)


def loudness_lufs(audio: Samples, sample_rate: int = MEMO_SAMPLE_RATE) -> float:
    """Integrated loudness (ITU-R BS.1770-4, gated); -inf for silence."""
    block = int(0.4 * sample_rate)
    if audio.size < block:  # too short for a gating block: measure it padded with silence
        audio = np.pad(audio, (0, block - audio.size))
    with np.errstate(divide="ignore"):
        value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio))
    return value if math.isfinite(value) else -math.inf


def limit_peaks(
    audio: Samples, sample_rate: int = MEMO_SAMPLE_RATE, ceiling_db: float = PEAK_CEILING_DB
) -> Samples:
    """A look-ahead peak limiter: smooth gain reduction so no sample passes the ceiling."""
    ceiling = 10 ** (ceiling_db / 20)
    peaks = np.abs(audio)
    if float(peaks.max(initial=0.0)) <= ceiling:
        return audio
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    window = max(1, int(0.005 * sample_rate))  # 5 ms attack, taken before the peak
    held = -maximum_filter1d(-needed, size=2 * window + 1)  # minimum over the window
    smooth = uniform_filter1d(held, size=window)
    gain = np.minimum(smooth, held)  # never above what the peak needs
    return np.asarray(np.clip(audio * gain, -ceiling, ceiling), dtype=np.float64)


def normalise_loudness(
    audio: Samples, target_lufs: float, sample_rate: int = MEMO_SAMPLE_RATE
) -> Samples:
    """Gain to `target_lufs`, peaks limited under the ceiling, corrected once after limiting."""
    measured = loudness_lufs(audio, sample_rate)
    if not math.isfinite(measured) or measured < SILENCE_LUFS:
        raise AudioProcessingError("the speech is silent")
    for _ in range(3):
        audio = limit_peaks(audio * 10 ** ((target_lufs - measured) / 20), sample_rate)
        measured = loudness_lufs(audio, sample_rate)
        if abs(measured - target_lufs) < 0.2:
            break
    return audio


def background_gain_lu(volume: int) -> float:
    """Where the fan sits relative to the speech for a 1–100 background_volume."""
    low, high = BACKGROUND_RELATIVE_LU
    return low + (high - low) * min(max(volume, 0), 100) / 100


@dataclass(frozen=True, slots=True)
class MemoLayout:
    lead_in_s: float
    speech_s: float
    tail_s: float

    @property
    def duration_s(self) -> float:
        return self.lead_in_s + self.speech_s + self.tail_s


def compose_memo(
    speech: Samples,
    *,
    target_lufs: float,
    background_volume: int | None,
    rng: np.random.Generator,
) -> tuple[Samples, MemoLayout]:
    """Speech (at MEMO_SAMPLE_RATE) → the memo's samples: room tone before and after the
    voice, optional fan, phone microphone colour, target loudness, no clipping."""
    speech = normalise_loudness(phone_microphone(speech), target_lufs)
    lead = int(rng.uniform(0.35, 0.75) * MEMO_SAMPLE_RATE)
    tail = int(rng.uniform(0.6, 1.1) * MEMO_SAMPLE_RATE)
    total = lead + speech.size + tail
    memo = room_tone(total, rng)
    memo[lead : lead + speech.size] += speech
    if background_volume is not None and background_volume > 0:
        fan_lufs = target_lufs + background_gain_lu(background_volume)
        fan = phone_microphone(fan_ambience(total, rng))
        memo += fan * 10 ** ((fan_lufs - loudness_lufs(fan)) / 20)
    memo = normalise_loudness(memo, target_lufs)
    fade = int(0.01 * MEMO_SAMPLE_RATE)  # no click when the recording starts or stops
    ramp = np.linspace(0.0, 1.0, fade)
    memo[:fade] *= ramp
    memo[-fade:] *= ramp[::-1]
    layout = MemoLayout(
        lead_in_s=lead / MEMO_SAMPLE_RATE,
        speech_s=speech.size / MEMO_SAMPLE_RATE,
        tail_s=tail / MEMO_SAMPLE_RATE,
    )
    return memo, layout


def encode_file(
    audio: Samples,
    path: Path,
    fmt: AudioFormat,
    *,
    title: str,
    recorded_at: datetime,
    sample_rate: int = MEMO_SAMPLE_RATE,
) -> None:
    """Encode mono samples into `path` (m4a/AAC or mp3) with title and date tags."""
    spec = CONTAINERS[fmt]
    # bitexact: no "Lavf…" encoder tag; faststart: the index first, so playback starts
    # before the whole file has arrived.
    options = {"fflags": "+bitexact"}
    if fmt is AudioFormat.m4a:
        options["movflags"] = "+faststart"
    frame = av.AudioFrame.from_ndarray(
        np.asarray(audio, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = sample_rate
    frame.pts = 0
    with av.open(str(path), mode="w", format=spec.muxer, options=options) as container:
        container.metadata["title"] = title
        container.metadata["date"] = recorded_at.date().isoformat()
        if fmt is AudioFormat.m4a:
            container.metadata["creation_time"] = recorded_at.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        stream = container.add_stream(spec.codec, rate=sample_rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        stream.bit_rate = BITRATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def decode_file(path: Path) -> tuple[Samples, int]:
    """Decode any audio file PyAV reads into mono float64 samples in [-1, 1] and their rate.

    FFmpeg's resampler does the conversion (integer scaling, channel downmix), whatever the
    codec's sample format.
    """
    chunks: list[npt.NDArray[np.float64]] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            rate = int(stream.codec_context.sample_rate)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in container.decode(stream):
                chunks.extend(_flat(out) for out in resampler.resample(frame))
            chunks.extend(_flat(out) for out in resampler.resample(None))
    except (av.error.FFmpegError, IndexError) as exc:
        raise AudioProcessingError(f"cannot decode {path.name}") from exc
    if not chunks:
        raise AudioProcessingError(f"{path.name} has no audio")
    return np.concatenate(chunks), rate


def _flat(frame: av.AudioFrame) -> npt.NDArray[np.float64]:
    return np.asarray(frame.to_ndarray(), dtype=np.float64).reshape(-1)
