"""A rendered memo, decoded with PyAV: container, codec, duration, tags, loudness, noise."""

from __future__ import annotations

import asyncio
import time
import wave
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from newvisions.audio.audio_processor import (
    MEMO_SAMPLE_RATE,
    PEAK_CEILING_DB,
    AudioProcessingError,
    compose_memo,
    decode_file,
    loudness_lufs,
    to_memo_rate,
)
from newvisions.audio.memo import default_title, memo_spec, render_memo, render_memo_file
from newvisions.config.settings import AudioFormat
from newvisions.users.schemas import UserSettings
from newvisions.voice_cloning.providers.base import Speech
from tests.audio.decoding import decode_memo
from tests.audio.synthetic_speech import synthetic_speech

NOW = datetime(2026, 11, 25, 14, 30, 5, tzinfo=UTC)
SPEECH = synthetic_speech(3.0)


def _render(
    tmp_path: Path, settings: UserSettings, fmt: AudioFormat, seed: int = 1
) -> tuple[Path, float]:
    spec = memo_spec(settings, fmt=fmt, target_lufs=-16.0, now=NOW)
    path = tmp_path / f"memo-{seed}.{fmt.value}"
    layout = render_memo_file(SPEECH, spec, path, np.random.default_rng(seed))
    return path, layout.duration_s


@pytest.mark.parametrize(
    ("fmt", "format_name", "codec"),
    [(AudioFormat.m4a, "mov,mp4,m4a,3gp,3g2,mj2", "aac"), (AudioFormat.mp3, "mp3", "mp3float")],
)
def test_memo_decodes_with_codec_duration_tags_and_loudness(
    tmp_path: Path, fmt: AudioFormat, format_name: str, codec: str
) -> None:
    settings = UserSettings(voice_language="es", voice_note_date=date(2025, 3, 9))
    path, duration = _render(tmp_path, settings, fmt)
    memo = decode_memo(path)

    assert memo.format_name == format_name
    assert memo.codec == codec
    # Speech plus 0.35–0.75 s of room tone before and 0.6–1.1 s after.
    assert SPEECH.duration_s + 0.95 <= duration <= SPEECH.duration_s + 1.85
    assert memo.duration_s == pytest.approx(duration, abs=0.05)
    assert memo.tags["title"] == "Grabación del 9 mar 2025"
    assert memo.tags["date"].startswith("2025-03-09")
    assert loudness_lufs(memo.samples, memo.sample_rate) == pytest.approx(-16.0, abs=1.0)
    assert float(np.max(np.abs(memo.samples))) < 1.0  # no clipping after encoding


def test_m4a_carries_the_back_dated_creation_time_and_no_encoder_tag(tmp_path: Path) -> None:
    settings = UserSettings(voice_note_name="Sueño raro", voice_note_date=date(2024, 2, 29))
    path, _ = _render(tmp_path, settings, AudioFormat.m4a)
    tags = decode_memo(path).tags
    assert tags["title"] == "Sueño raro"
    assert tags["creation_time"].startswith("2024-02-29T14:30:05")
    assert not any("lavf" in value.lower() for value in tags.values())


def test_background_sound_raises_the_noise_floor_with_its_volume(tmp_path: Path) -> None:
    def floor(settings: UserSettings) -> float:
        path, _ = _render(tmp_path, settings, AudioFormat.m4a, seed=3)
        # The first 0.3 s are room tone (the voice starts after at least 0.35 s).
        return decode_memo(path).rms_dbfs(0.02, 0.3)

    off = floor(UserSettings(background_sound=False, background_volume=80))
    quiet = floor(UserSettings(background_sound=True, background_volume=10))
    loud = floor(UserSettings(background_sound=True, background_volume=90))

    assert off < -55  # only the room tone
    assert quiet > off + 10
    assert loud > quiet + 10
    assert loud < -16  # still a background, under the voice


def test_background_volume_zero_means_no_fan(tmp_path: Path) -> None:
    path, _ = _render(
        tmp_path, UserSettings(background_sound=True, background_volume=0), AudioFormat.m4a
    )
    assert decode_memo(path).rms_dbfs(0.02, 0.3) < -55


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Recording on 25 Nov 2026"),
        ("es", "Grabación del 25 nov 2026"),
        ("fr", "Enregistrement du 25 nov. 2026"),
        ("de", "Aufnahme vom 25. Nov. 2026"),
        ("it", "Registrazione del 25 nov 2026"),
        ("pt", "Gravação de 25 de nov. de 2026"),
    ],
)
def test_default_title_in_the_memo_language(language: str, title: str) -> None:
    assert default_title(date(2026, 11, 25), language) == title
    spec = memo_spec(
        UserSettings(voice_language=language),  # type: ignore[arg-type]
        fmt=AudioFormat.m4a,
        target_lufs=-16,
        now=NOW,
    )
    assert spec.title == title
    assert spec.memo_date == date(2026, 11, 25)


def test_default_title_months_are_distinct_per_language() -> None:
    for language in ("en", "es", "fr", "de", "it", "pt"):
        titles = {default_title(date(2026, month, 1), language) for month in range(1, 13)}
        assert len(titles) == 12


@pytest.mark.parametrize(("gain", "rate"), [(0.02, 16_000), (0.9, 22_050), (0.3, 48_000)])
def test_loudness_and_peaks_do_not_depend_on_the_input_level(gain: float, rate: int) -> None:
    speech = synthetic_speech(2.0, sample_rate=rate, seed=11)
    samples = to_memo_rate(speech.samples * gain, rate)
    memo, layout = compose_memo(
        samples, target_lufs=-16.0, background_volume=None, rng=np.random.default_rng(5)
    )
    assert memo.size == round(layout.duration_s * MEMO_SAMPLE_RATE)
    assert loudness_lufs(memo) == pytest.approx(-16.0, abs=0.5)
    assert 20 * np.log10(np.max(np.abs(memo))) <= PEAK_CEILING_DB + 1e-6


@pytest.mark.parametrize(
    "samples",
    [np.zeros(0, np.float32), np.full(4000, np.nan, np.float32), np.zeros(24_000, np.float32)],
    ids=["empty", "nan", "silent"],
)
def test_unusable_speech_is_refused(samples: np.ndarray, tmp_path: Path) -> None:
    spec = memo_spec(UserSettings(), fmt=AudioFormat.m4a, target_lufs=-16.0, now=NOW)
    with pytest.raises(AudioProcessingError):
        render_memo_file(Speech(samples, 24_000), spec, tmp_path / "x.m4a")


async def test_render_runs_off_the_event_loop(tmp_path: Path) -> None:
    spec = memo_spec(UserSettings(), fmt=AudioFormat.mp3, target_lufs=-16.0, now=NOW)
    ticks = 0
    rendering = True

    async def ticker() -> None:
        nonlocal ticks
        while rendering:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    layout = await render_memo(synthetic_speech(6.0), spec, tmp_path / "async.mp3")
    elapsed = time.perf_counter() - started
    rendering = False
    await task
    # The loop kept running while the memo was rendered (a blocked loop ticks ~once).
    assert ticks >= max(3, int(elapsed / 0.005 * 0.2))
    assert decode_memo(tmp_path / "async.mp3").duration_s == pytest.approx(
        layout.duration_s, abs=0.05
    )


def test_decode_scales_integer_samples_and_downmixes_stereo(tmp_path: Path) -> None:
    rate = 16_000
    t = np.arange(rate) / rate
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    right = np.zeros_like(left)
    interleaved = (np.column_stack([left, right]) * 32767).astype("<i2")
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(interleaved.tobytes())

    samples, decoded_rate = decode_file(path)
    assert decoded_rate == rate
    assert samples.size == rate
    # FFmpeg's downmix of (L, silence) keeps the tone, scaled into [-1, 1], not ±32767.
    assert 0.15 < float(np.max(np.abs(samples))) <= 0.5 + 1e-3
    spectrum = np.abs(np.fft.rfft(samples))
    assert int(np.argmax(spectrum)) == 440
    with pytest.raises(AudioProcessingError):
        decode_file(tmp_path / "missing.wav")
