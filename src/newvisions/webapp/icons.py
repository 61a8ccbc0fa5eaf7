"""Draws the app icons (a memo's red record dot with a waveform) as PNG, with no image library.

`python -m newvisions.webapp.icons` rewrites the PNGs in static/icons; a test checks that
the committed files are what this code draws.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

ICON_DIR = Path(__file__).parent / "static" / "icons"
SIZES = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "maskable-512.png": (512, True),
}
_SUPERSAMPLE = 4
_BACKGROUND = (17, 17, 19)
_DOT = (255, 59, 48)
_BARS = (255, 255, 255)
# Waveform bar heights, as a share of the dot's radius: a short spoken phrase.
_BAR_HEIGHTS = (0.30, 0.62, 0.95, 0.55, 0.80, 0.40, 0.22)


def _coverage(size: int, maskable: bool) -> tuple[npt.NDArray[np.float64], ...]:
    """Per-pixel coverage (0–1) of the background, the dot and the bars, anti-aliased."""
    n = size * _SUPERSAMPLE
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float64) / n
    # Maskable icons are cropped to a circle of 80 %: keep the drawing inside it.
    radius = 0.30 if maskable else 0.36
    dot = ((xs - 0.5) ** 2 + (ys - 0.5) ** 2) <= radius**2
    bars = np.zeros_like(dot)
    width = radius * 2 * 0.09
    step = radius * 2 * 0.13
    first = 0.5 - step * (len(_BAR_HEIGHTS) - 1) / 2
    for i, height in enumerate(_BAR_HEIGHTS):
        cx = first + i * step
        half = radius * height * 0.75
        bars |= (np.abs(xs - cx) <= width / 2) & (np.abs(ys - 0.5) <= half)
    bars &= dot

    def down(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        m = mask.astype(np.float64).reshape(size, _SUPERSAMPLE, size, _SUPERSAMPLE)
        averaged: npt.NDArray[np.float64] = m.mean(axis=(1, 3))
        return averaged

    return down(dot & ~bars), down(bars)


def draw(size: int, maskable: bool) -> bytes:
    dot, bars = _coverage(size, maskable)
    rgb = np.empty((size, size, 3), dtype=np.float64)
    rgb[:] = _BACKGROUND
    for colour, cover in ((_DOT, dot), (_BARS, bars)):
        rgb += (np.array(colour, dtype=np.float64) - _BACKGROUND) * cover[..., None]
    pixels = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return _png(pixels)


def _png(pixels: npt.NDArray[np.uint8]) -> bytes:
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in SIZES.items():
        (ICON_DIR / name).write_bytes(draw(size, maskable))


if __name__ == "__main__":
    main()
