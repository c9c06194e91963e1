"""Frames of a latent walk (or any stack of sections) as a PNG strip or an animated GIF.

Frames are float ``(n, sample, trace)``; they are mapped to 256 colour indices with one
symmetric level for the whole stack (so brightness does not jump between frames) and
written with a palette (Pillow's "P" mode: a GIF needs one, and it keeps the PNG small).
Writes are atomic: an interrupted export leaves the previous file as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from seisview.core.errors import SeisviewError
from seisview.io.atomic import atomic_path

FORMATS = {".png": "PNG", ".gif": "GIF"}


def stack_levels(frames: np.ndarray, percentile: float = 99.0) -> float:
    """One symmetric clip level for every frame (robust: ignores the odd spike)."""
    a = np.abs(np.asarray(frames, np.float32))
    a = a[np.isfinite(a)]
    return float(np.percentile(a, percentile)) if a.size and np.any(a) else 1.0


def to_indices(frames: np.ndarray, clip: float | None = None) -> np.ndarray:
    """uint8 colour indices: -clip -> 0, 0 -> 128, +clip -> 255; NaN -> 128."""
    f = np.asarray(frames, np.float32)
    clip = clip or stack_levels(f)
    out = np.clip((np.nan_to_num(f) / clip + 1.0) * 127.5, 0, 255)
    return np.rint(out).astype(np.uint8)


def mosaic(tiles: np.ndarray, gap: int = 2, fill: float = np.nan) -> np.ndarray:
    """``(rows, cols, H, W)`` (or ``(cols, H, W)``) tiles laid out in one 2-D array,
    ``gap`` pixels of ``fill`` between them."""
    t = np.asarray(tiles, np.float32)
    if t.ndim == 3:
        t = t[None]
    rows, cols, h, w = t.shape
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap), fill, np.float32)
    for r in range(rows):
        for c in range(cols):
            out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = t[r, c]
    return out


def _palette_image(idx: np.ndarray, palette: np.ndarray, scale: int) -> Image.Image:
    img = Image.fromarray(np.ascontiguousarray(idx), mode="P")
    img.putpalette(np.asarray(palette, np.uint8)[:, :3].ravel().tolist())
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    return img


def _check(path: Path, frames: np.ndarray, palette: np.ndarray) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SeisviewError(f"cannot export frames as {path.suffix or 'a file without suffix'}",
                            hint="name the file .png (a strip) or .gif (an animation)")
    if np.ndim(frames) != 3 or len(frames) < 1:
        raise SeisviewError("nothing to export: no frames", hint="make a walk first")
    if np.shape(palette) not in ((256, 3), (256, 4)):
        raise SeisviewError("a palette has 256 RGB colours")
    return fmt


def export_frames(path: str | Path, frames: np.ndarray, palette: np.ndarray, *,
                  fps: float = 8.0, gap: int = 4, scale: int = 1, loop: bool = True,
                  clip: float | None = None) -> Path:
    """``.gif``: one frame per image, ``fps`` a second (there and back when ``loop``);
    ``.png``: the frames side by side, ``gap`` pixels of the zero colour apart. ``clip``:
    the amplitude at full colour (default: :func:`stack_levels`). Returns the path."""
    path = Path(path)
    fmt = _check(path, frames, palette)
    idx = to_indices(frames, clip)
    pal = np.asarray(palette, np.uint8)[:, :3].copy()
    if fmt == "PNG":
        n, h, w = idx.shape
        strip = np.full((h, n * w + (n - 1) * gap), 128, np.uint8)  # index 128: the zero colour
        for i in range(n):
            strip[:, i * (w + gap):i * (w + gap) + w] = idx[i]
        with atomic_path(path, suffix=".tmp.png") as tmp:
            _palette_image(strip, pal, scale).save(tmp, format="PNG", optimize=True)
        return path
    seq = list(idx) + (list(idx[-2:0:-1]) if loop and len(idx) > 2 else [])
    images = [_palette_image(f, pal, scale) for f in seq]
    with atomic_path(path, suffix=".tmp.gif") as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=max(20, int(round(1000 / max(fps, 0.1)))), loop=0,
                       optimize=False, disposal=1)
    return path


def read_gif_frames(path: str | Path) -> np.ndarray:
    """The palette indices of every frame of a GIF ``(n, H, W)`` (tests, round trips)."""
    from PIL import ImageSequence

    with Image.open(path) as img:
        return np.stack([np.asarray(f.convert("P") if f.mode != "P" else f, np.uint8)
                         for f in ImageSequence.Iterator(img)])
