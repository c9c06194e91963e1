"""First-break picks in the unified data format of pyGIMLi and refrapy (``.sgt``).

The file lists shot/geophone positions (``x y``, one per line after a count
line), then measurements ``s g t``: 1-based indices into the positions and the
travel time in seconds. seisview keys picks by ``(gather key, channel)``, so
each trace of the survey is matched to a position by its source and group X
(trace-header bytes 73 and 81, scaled by byte 71).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.picks import Pick


def read_sgt(path) -> tuple[np.ndarray, np.ndarray]:
    """``positions (N, 2)`` and ``measurements (M, 3)`` (s, g 1-based; t in seconds)."""
    from seisview.io.textio import read_text

    path = Path(path)
    text = read_text(path, "SGT pick file")
    try:
        rows = [ln.split("#", 1)[0].split() for ln in text.splitlines()]
        rows = [r for r in rows if r]
        n = int(rows[0][0])
        pos = np.array([[float(v) for v in r[:2]] for r in rows[1:1 + n]], float)
        m = int(rows[1 + n][0])
        meas = np.array([[float(v) for v in r[:3]] for r in rows[2 + n:2 + n + m]], float)
        if pos.shape != (n, 2) or meas.shape != (m, 3):
            raise ValueError(f"expected {n} positions and {m} measurements")
        if m and not np.all(meas[:, :2] == np.round(meas[:, :2])):
            raise ValueError("shot/geophone indices must be whole numbers")
    except (ValueError, IndexError) as exc:
        raise SeisviewError(f"{path.name} is not a pyGIMLi .sgt pick file ({exc})",
                            hint="expected a count, 'x y' positions, a count, then 's g t' rows") from None
    bad = (meas[:, 0] < 1) | (meas[:, 0] > n) | (meas[:, 1] < 1) | (meas[:, 1] > n)
    if bad.any():
        raise SeisviewError(f"{int(bad.sum())} measurements in {path.name} name positions outside 1..{n}")
    return pos, meas


def trace_xy(path, key_byte: int = 9, channel_byte: int = 13):
    """``keys, channels, source_x_m, group_x_m`` of every trace of a SEG-Y file."""
    from seisview.io.segy_format import HeaderTable, check_header_byte
    from seisview.io.segy_layout import check_path, detect

    check_header_byte(key_byte, "gather key")
    check_header_byte(channel_byte, "channel")
    p = check_path(path)
    _, layout = detect(p)
    raw = layout.map_traces(p)
    h = HeaderTable(raw, layout.endian)
    scal = h.field(71, 2).astype(float)
    factor = np.where(scal < 0, 1.0 / np.abs(np.where(scal == 0, 1, scal)), np.where(scal == 0, 1.0, scal))
    keys, chans = h.field(key_byte), h.field(channel_byte)
    from seisview.io.segy_geometry import trace_channels

    chans, _ = trace_channels(keys, chans)  # as GatherSet numbers them
    return keys, chans, h.field(73) * factor, h.field(81) * factor


def _nearest(pos_x: np.ndarray, x: np.ndarray, tol_m: float) -> np.ndarray:
    """Index of the position at each x (-1 where none within ``tol_m``)."""
    d = np.abs(x[:, None] - pos_x[None, :])
    i = d.argmin(axis=1)
    return np.where(d[np.arange(len(x)), i] <= tol_m, i, -1)


def sgt_picks(path, survey, key_byte: int = 9, channel_byte: int = 13, tol_m: float = 0.05) -> dict:
    """Picks of an .sgt file as ``{(key, channel): (time_ms, None)}`` on the survey's traces.

    Raises (count + example) when a measurement matches no trace of the survey.
    """
    pos, meas = read_sgt(path)
    keys, chans, sx, gx = trace_xy(survey, key_byte, channel_byte)
    si, gi = _nearest(pos[:, 0], sx, tol_m), _nearest(pos[:, 0], gx, tol_m)
    traces: dict[tuple[int, int], list] = {}
    for k, c, s, g in zip(keys.tolist(), chans.tolist(), si.tolist(), gi.tolist(), strict=True):
        if s >= 0 and g >= 0:
            traces.setdefault((s + 1, g + 1), []).append((k, c))
    out, missing = {}, []
    for s, g, t in meas:
        hit = traces.get((int(s), int(g)))
        if hit is None:
            missing.append((int(s), int(g), t))
            continue
        for key in hit:  # repeated shots at one position share the pick
            out[key] = (float(t) * 1000.0, None)
    if missing:
        s, g, t = missing[0]
        raise SeisviewError(
            f"{len(missing)} of {len(meas)} picks in {Path(path).name} match no trace of the survey, e.g. "
            f"shot at x={pos[s - 1, 0]:g} m, geophone at x={pos[g - 1, 0]:g} m; nothing was imported",
            hint="check that the .sgt file belongs to this survey (source/group X at bytes 73/81)")
    return out


def write_sgt(path, picks: dict[tuple[int, int], Pick], survey, key_byte: int = 9,
              channel_byte: int = 13) -> tuple[Path, int, int]:
    """Write picks as .sgt with positions from the survey's source/group X (y = 0: no topography).

    Returns ``(path, picks written, picks whose trace is not in the survey)``.
    """
    from seisview.io.label_formats import atomic_write_text

    keys, chans, sx, gx = trace_xy(survey, key_byte, channel_byte)
    xs = np.unique(np.round(np.concatenate([sx, gx]), 3))
    where = {(int(k), int(c)): (s, g) for k, c, s, g in zip(keys, chans, sx, gx, strict=True)}
    lines, missing = [], 0
    for key, p in sorted(picks.items()):
        if key not in where:
            missing += 1
            continue
        s, g = where[key]
        si = int(np.searchsorted(xs, round(float(s), 3))) + 1
        gi = int(np.searchsorted(xs, round(float(g), 3))) + 1
        lines.append(f"{si} {gi} {p.time_ms / 1000.0:.6f}")
    text = [f"{len(xs)} # shot/geophone points", "#x y", *[f"{x:.2f} 0.00" for x in xs],
            f"{len(lines)} # measurements", "#s g t", *lines]
    return atomic_write_text(Path(path), "\n".join(text) + "\n"), len(lines), missing
