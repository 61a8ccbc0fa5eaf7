"""Offline voice engine on real speakers: similarity gain, English WER, speed.

Per speaker (see speech_corpus.py): a 60 s "upload" is analysed with the product's
`analyse_recording` (timed); 30 s of other prompts are held out. Five English notes are
spoken by the unadapted base voice that is closest to the speaker (the better of hibari and
piper by d-vector similarity to the upload) and by the adapted voice (the provider's
synthesis path, voice_similarity 100 and 75, stability 50). Both are scored by d-vector
cosine to the held-out audio. The adapted notes are transcribed with tiny.en for the WER;
the real-time factor is wall time of TTS + adaptation over the output's duration. Two notes
in the speaker's own language compare the espeak base voice with its adapted version.

    .venv/bin/python bench/offline_voice.py [--tone-strength 1.0] [--cache DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
from speech_corpus import DEFAULT_CACHE, RATE, SPEAKERS, Speaker, prompts, take

from newvisions.voice_cloning.analysis import analyse_recording
from newvisions.voice_cloning.providers.base import Speech, SpeechRequest, VoiceProfile
from newvisions.voice_cloning.providers.offline.calibration import (
    calibration_cache,
    calibration_candidates,
)
from newvisions.voice_cloning.providers.offline.engines import default_voice_key, get_engine
from newvisions.voice_cloning.providers.offline.synthesis import speak
from newvisions.voice_cloning.speaker_embedding import cosine, get_speaker_encoder
from newvisions.voice_cloning.transcription import get_english_transcriber, word_error_rate
from newvisions.voice_cloning.world import FloatArray, resample

NOTES = [
    "I had the strangest dream last night, someone kept showing me the queen of clubs.",
    "Weird, I woke up at three and the number forty-seven was stuck in my head. No idea why.",
    "Note to self: I keep dreaming about Scorpio. Third night in a row now, it is getting odd.",
    "Just had a flash while driving, the name Margaret, very clear. I should write that down.",
    "I dreamt about the seven of diamonds again. It was lying face up on my kitchen table.",
]
NATIVE_NOTES = {
    "es": [
        "Anoche tuve un sueño rarísimo, alguien me enseñaba la reina de tréboles.",
        "Me desperté a las tres con el número cuarenta y siete en la cabeza.",
    ],
    "fr": [
        "J'ai fait un rêve bizarre cette nuit, quelqu'un me montrait la dame de trèfle.",
        "Je me suis réveillé à trois heures avec le nombre quarante-sept en tête.",
    ],
    "it": [
        "Stanotte ho fatto un sogno stranissimo, qualcuno mi mostrava la regina di fiori.",
        "Mi sono svegliato alle tre con il numero quarantasette in testa.",
    ],
    "en": [],
}


def embed(speech: Speech) -> FloatArray:
    return get_speaker_encoder().embed(resample(speech.samples, speech.sample_rate, RATE))


def closest_english_base(profile: VoiceProfile) -> str:
    target = np.asarray(profile.speaker_embedding, np.float32)
    scores = {
        voice.key: cosine(calibration_cache.calibrated(voice).embedding, target)
        for voice in calibration_candidates("en")
    }
    return max(scores, key=lambda key: scores[key])


def request(text: str, language: str, sex: str, similarity: int) -> SpeechRequest:
    return SpeechRequest(text, language, sex, stability=50, similarity=similarity)


def run_speaker(speaker: Speaker, tone: float, cache: Path) -> dict[str, float]:
    files = prompts(speaker, cache)
    upload, next_index = take(files, 60)
    held_out, _ = take(files, 30, next_index)
    held = get_speaker_encoder().embed(held_out)

    started, cpu_started = time.perf_counter(), time.process_time()
    profile = analyse_recording(upload, RATE, tone_strength=tone)
    analysis_s = time.perf_counter() - started
    analysis_cpu_s = time.process_time() - cpu_started

    base_key = closest_english_base(profile)
    keys = ("base", "ad100", "ad75", "wer", "rtf", "rtf_cpu")
    row: dict[str, list[float]] = {k: [] for k in keys}
    transcriber = get_english_transcriber()
    for note in NOTES:
        row["base"].append(cosine(embed(get_engine(base_key).speak(note)), held))
        for similarity in (100, 75):
            started, cpu_started = time.perf_counter(), time.process_time()
            adapted = speak(
                profile,
                request(note, "en", speaker.sex, similarity),
                tone_strength=tone,
                calibration=calibration_cache,
            )
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            row[f"ad{similarity}"].append(cosine(embed(adapted), held))
            if similarity == 100:
                row["rtf"].append(wall / adapted.duration_s)
                row["rtf_cpu"].append(cpu / adapted.duration_s)
                text = transcriber.transcribe(adapted.samples, adapted.sample_rate)
                row["wer"].append(word_error_rate(note, text))

    native_base, native_adapted = [], []
    for note in NATIVE_NOTES[speaker.language]:
        plain_key = default_voice_key(speaker.language, speaker.sex)
        native_base.append(cosine(embed(get_engine(plain_key).speak(note)), held))
        adapted = speak(
            profile,
            request(note, speaker.language, speaker.sex, 100),
            tone_strength=tone,
            calibration=calibration_cache,
        )
        native_adapted.append(cosine(embed(adapted), held))

    en = profile.base_voices["en"]
    print(
        f"{speaker.key:11s} {speaker.sex:6s} f0 {profile.f0_median_hz:5.0f} Hz | "
        f"base {base_key:12s} {np.mean(row['base']):.3f} | adapted {en.voice_key:12s} "
        f"a={en.formant_alpha:.2f} {np.mean(row['ad100']):.3f} "
        f"(gain {np.mean(row['ad100']) - np.mean(row['base']):+.3f}; at 75: "
        f"{np.mean(row['ad75']):.3f}) | WER {np.mean(row['wer']):.3f} | "
        f"RTF {np.mean(row['rtf']):.3f} (max {np.max(row['rtf']):.3f}, CPU "
        f"{np.mean(row['rtf_cpu']):.3f}) | "
        f"analysis {analysis_s:.2f} s (CPU {analysis_cpu_s:.2f} s, load {os.getloadavg()[0]:.1f})"
        + (
            f" | {speaker.language} espeak {np.mean(native_base):.3f} -> "
            f"{np.mean(native_adapted):.3f}"
            if native_base
            else ""
        ),
        flush=True,
    )
    return {
        "base": float(np.mean(row["base"])),
        "adapted": float(np.mean(row["ad100"])),
        "adapted75": float(np.mean(row["ad75"])),
        "wer": float(np.mean(row["wer"])),
        "rtf": float(np.mean(row["rtf"])),
        "rtf_max": float(np.max(row["rtf"])),
        "rtf_cpu": float(np.mean(row["rtf_cpu"])),
        "analysis_s": analysis_s,
        "analysis_cpu_s": analysis_cpu_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tone-strength", type=float, default=1.0)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    started = time.perf_counter()
    calibration_cache.warm_up()
    get_english_transcriber()
    print(f"cold start (engines, calibration, ASR): {time.perf_counter() - started:.1f} s")
    print(f"tone strength {args.tone_strength}; load average {os.getloadavg()[0]:.1f} (2 cores)")
    results = [run_speaker(s, args.tone_strength, args.cache) for s in SPEAKERS]

    def mean(key: str) -> float:
        return statistics.mean(r[key] for r in results)

    print(
        f"MEAN base {mean('base'):.3f} adapted {mean('adapted'):.3f} "
        f"gain {mean('adapted') - mean('base'):+.3f} (similarity 75: "
        f"{mean('adapted75') - mean('base'):+.3f}) | WER {mean('wer'):.3f} | "
        f"RTF {mean('rtf'):.3f} max {max(r['rtf_max'] for r in results):.3f} "
        f"CPU {mean('rtf_cpu'):.3f} | "
        f"analysis of 60 s: median {statistics.median(r['analysis_s'] for r in results):.2f} s, "
        f"max {max(r['analysis_s'] for r in results):.2f} s; CPU median "
        f"{statistics.median(r['analysis_cpu_s'] for r in results):.2f} s"
    )


if __name__ == "__main__":
    main()
