from __future__ import annotations

import numpy as np

from newvisions.voice_cloning.speaker_embedding import (
    EMBEDDING_SIZE,
    N_MELS,
    WINDOW_FRAMES,
    cosine,
    get_speaker_encoder,
    log_mel_features,
    mel_filterbank,
)
from newvisions.voice_cloning.world import FloatArray
from tests.voice_cloning.offline.conftest import SENTENCES, speak_16k


def test_features_have_the_model_shape() -> None:
    one_second = np.zeros(16_000, dtype=np.float32)
    features = log_mel_features(one_second)
    # 1 + (16000 - 512) // 160 frames of 40 bands; silence is the floor log10(1e-10).
    assert features.shape == (97, N_MELS)
    assert np.allclose(features, -10.0)


def test_mel_filters_are_area_normalised_triangles() -> None:
    bank = mel_filterbank()
    assert bank.shape == (N_MELS, 257)
    assert np.all(bank >= 0)
    assert np.all(np.count_nonzero(bank, axis=1) >= 1)
    # A pure tone lights up the band around its frequency, not one far away.
    tone = np.sin(2 * np.pi * 1000 * np.arange(16_000) / 16_000).astype(np.float32)
    loudest_band = int(np.argmax(log_mel_features(tone).mean(axis=0)))
    centre_hz = np.argmax(bank[loudest_band]) * 8000 / 256
    assert abs(centre_hz - 1000) < 150


def test_embedding_is_a_unit_vector() -> None:
    speech = speak_16k("piper-joe", SENTENCES[0])
    embedding = get_speaker_encoder().embed(speech)
    assert embedding.shape == (EMBEDDING_SIZE,)
    assert abs(float(np.linalg.norm(embedding)) - 1) < 1e-4
    no_overlap = get_speaker_encoder().embed(speech, stride_frames=WINDOW_FRAMES)
    assert cosine(embedding, no_overlap) > 0.98


def test_same_speaker_scores_higher_than_a_different_speaker(
    hibari_recording: FloatArray, piper_recording: FloatArray
) -> None:
    encoder = get_speaker_encoder()
    half = len(hibari_recording) // 2
    hibari_a, hibari_b = (
        encoder.embed(hibari_recording[:half]),
        encoder.embed(hibari_recording[half:]),
    )
    half = len(piper_recording) // 2
    piper_a, piper_b = encoder.embed(piper_recording[:half]), encoder.embed(piper_recording[half:])

    same = min(cosine(hibari_a, hibari_b), cosine(piper_a, piper_b))
    different = max(cosine(hibari_a, piper_b), cosine(piper_a, hibari_b))
    assert same > 0.8
    assert same - different > 0.2
