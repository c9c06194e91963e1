"""First-break picks from and to CSV, JSON and SEG-Y trace-header words.

* CSV: ``ffid,channel,time_ms[,confidence]`` with a header row. Reading also
  accepts ``gather``/``shot`` for the key, ``trace`` for the channel and times in
  seconds (``fb_time_s``, ``time_s``), as in refrapy's pick tables.
* JSON: ``{"format": "seisview-picks", "key": "ffid", "picks": [[key, channel, time_ms,
  confidence or null], ...]}``.
* pyGIMLi / refrapy ``.sgt`` (see ``seisview.io.pick_sgt``), matched to traces by source/group X.
* SEG-Y header: a 4-byte signed integer per trace (default bytes 233-236) holding
  the pick in microseconds, ``-1`` where there is none; the trace is found by its
  gather key (default byte 9, FFID) and channel (default byte 13).

Picks are ``{(gather key, channel): (time_ms, confidence or None)}``.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.picks import Pick
from seisview.io.atomic import atomic_path, atomic_write_text
from seisview.io.segy_format import check_header_byte
from seisview.io.textio import number, read_text, separator

PICK_FORMATS = ("csv", "json", "segy-header", "sgt")
_KEY_COLS = ("ffid", "gather", "shot", "key", "fldr", "cdp")
_CH_COLS = ("channel", "trace", "chan", "tracf")
_MS_COLS = ("time_ms", "fb_time_ms", "pick_ms", "fb_ms")
_S_COLS = ("time_s", "fb_time_s", "pick_s")

Picks = dict[tuple[int, int], tuple[float, float | None]]


def guess_format(path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".sgy", ".segy"):
        return "segy-header"
    if suffix == ".json":
        return "json"
    if suffix == ".sgt":
        return "sgt"
    return "csv"


# -- CSV ----------------------------------------------------------------------------------
_MAX_KEY = 2**31  # keys and channels are 4-byte header words


def read_csv(path) -> Picks:
    """Picks of a CSV table (any common encoding; comma, semicolon or tab separated).

    Refused with the line number: rows that are not picks, gather keys or channels that are
    not whole numbers, one trace given two different times; and a ``*_ms`` column whose
    times are all below 1 ms (seconds under a millisecond name: nothing would be picked).
    """
    path = Path(path)
    lines = [(n, ln) for n, ln in enumerate(read_text(path, "pick table").splitlines(), 1) if ln.strip()]
    if not lines:
        raise SeisviewError(f"{path.name} is empty", hint="expected a header ffid,channel,time_ms")
    sep = separator(lines[0][1])
    dec_comma = sep != ","
    for n, ln in lines:
        if ln.count('"') % 2:
            raise SeisviewError(f"{path.name} line {n} has an unclosed quote: {ln[:60]!r}",
                                hint="a pick table has one pick per line; remove the quote or the line break "
                                "inside the quoted cell; nothing was imported")
    rows = [next(csv.reader([ln], delimiter=sep), []) for _, ln in lines]  # one row per line, always
    head = [h.strip().lower() for h in rows[0]]

    def col(names):
        return next((head.index(n) for n in names if n in head), None)

    ki, ci, mi, si, qi = col(_KEY_COLS), col(_CH_COLS), col(_MS_COLS), col(_S_COLS), col(("confidence",))
    if ki is None or ci is None or (mi is None and si is None):
        raise SeisviewError(f"{path.name} has no ffid/channel/time columns (header: {sep.join(head)[:80]})",
                            hint="the first row must name the columns: ffid,channel,time_ms[,confidence] "
                            "(time_s for seconds)")
    out: Picks = {}
    seen: dict[tuple[int, int], int] = {}
    for (n, _), row in zip(lines[1:], rows[1:], strict=True):
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(head) and any(c.strip() for c in row[len(head):]):
            raise SeisviewError(f"{path.name} line {n} has {len(row)} columns, the header {len(head)}: "
                                f"{sep.join(row)[:60]!r}", hint="decimal commas need ';' between the "
                                "columns (or use decimal points); nothing was imported")
        try:
            t_txt = row[mi] if mi is not None else row[si]
            if not t_txt.strip():
                continue  # no pick on this trace
            t = number(t_txt, dec_comma) * (1.0 if mi is not None else 1000.0)
            if math.isinf(t):
                raise ValueError(t_txt)
            conf = (number(row[qi], dec_comma) if qi is not None and qi < len(row) and row[qi].strip()
                    else None)
            key = (_whole(row[ki]), _whole(row[ci]))
        except (ValueError, IndexError):
            raise SeisviewError(f"{path.name} line {n} is not a pick: {sep.join(row)[:60]!r}",
                                hint="each row needs whole-number ffid and channel and a numeric time") from None
        if not t >= 0:
            continue  # negative (-1) or NaN: no pick on this trace
        if key in out and out[key][0] != t:
            raise SeisviewError(f"{path.name} picks gather {key[0]} channel {key[1]} twice with different "
                                f"times (line {seen[key]}: {out[key][0]:g} ms, line {n}: {t:g} ms)",
                                hint="keep one row per trace; nothing was imported")
        out[key] = (t, conf)
        seen.setdefault(key, n)
    if mi is not None and out and 0 < max(t for t, _ in out.values()) < 1.0:
        raise SeisviewError(f"every time in column {head[mi]!r} of {path.name} is below 1 ms (largest "
                            f"{max(t for t, _ in out.values()):g}): they look like seconds",
                            hint="name the column time_s if the times are seconds; nothing was imported")
    return out


def _whole(text: str) -> int:
    """A gather key or channel: a whole number that fits a 4-byte header word (else ValueError)."""
    v = float(text.strip())
    if not v.is_integer() or abs(v) >= _MAX_KEY:
        raise ValueError(text)
    return int(v)


def write_csv(path, picks: dict[tuple[int, int], Pick], key_name: str = "ffid") -> Path:
    with_conf = any(p.confidence is not None for p in picks.values())
    lines = [f"{key_name},channel,time_ms" + (",confidence" if with_conf else "")]
    for (g, ch), p in sorted(picks.items()):
        row = f"{g},{ch},{p.time_ms:.4f}"
        if with_conf:
            row += "," + ("" if p.confidence is None else f"{p.confidence:.4f}")
        lines.append(row)
    return atomic_write_text(Path(path), "\n".join(lines) + "\n")


# -- JSON ----------------------------------------------------------------------------------
def read_json(path) -> Picks:
    path = Path(path)
    text = read_text(path, "JSON pick file", max_line=None)  # seisview writes JSON on one line
    try:
        doc = json.loads(text)
        items = doc["picks"] if isinstance(doc, dict) else doc
        out: Picks = {}
        for it in items:
            if isinstance(it, dict):
                key = next(it[k] for k in (*_KEY_COLS, "gather_key") if k in it)
                g, ch, t, conf = key, it["channel"], it["time_ms"], it.get("confidence")
            else:
                g, ch, t, *rest = it
                conf = rest[0] if rest else None
            out[(_whole(str(g)), _whole(str(ch)))] = (float(t), None if conf is None else float(conf))
        return out
    except RecursionError:
        raise SeisviewError(f"{path.name} is nested too deeply to be a pick file",
                            hint='expected {"picks": [[ffid, channel, time_ms, confidence], ...]}') from None
    except (ValueError, KeyError, TypeError, StopIteration, OverflowError) as exc:
        raise SeisviewError(f"{path.name} is not a seisview pick file ({type(exc).__name__}: {str(exc)[:80]})",
                            hint='expected {"picks": [[ffid, channel, time_ms, confidence], ...]}') from None


def write_json(path, picks: dict[tuple[int, int], Pick], key_name: str = "ffid") -> Path:
    doc = {"format": "seisview-picks", "key": key_name, "unit": "ms",
           "picks": [[g, ch, p.time_ms, p.confidence] for (g, ch), p in sorted(picks.items())]}
    return atomic_write_text(Path(path), json.dumps(doc, indent=0) + "\n")


# -- SEG-Y trace headers ---------------------------------------------------------------------
def _traces(path, key_byte: int, channel_byte: int):
    from seisview.io.segy_format import HeaderTable
    from seisview.io.segy_layout import check_path, detect

    check_header_byte(key_byte, "gather key")
    check_header_byte(channel_byte, "channel")
    p = check_path(path)
    _, layout = detect(p)
    raw = layout.map_traces(p)
    h = HeaderTable(raw, layout.endian)
    keys, chans = h.field(key_byte, 4 if key_byte not in (115, 117) else 2), h.field(channel_byte)
    from seisview.io.segy_geometry import trace_channels

    chans, _ = trace_channels(keys, chans)  # as GatherSet numbers them
    return layout, keys, chans, raw


def trace_table(path, key_byte: int = 9, channel_byte: int = 13):
    """``(keys, channels, n_samples, dt_ms)`` of every trace of a SEG-Y file."""
    return survey_traces(path, key_byte, channel_byte)[:4]


def survey_traces(path, key_byte: int = 9, channel_byte: int = 13):
    """``(keys, channels, n_samples, dt_ms, t0_ms)``: sampling as the scan reads it (trace headers
    first, delay applied); channels are the rank in the gather, as in ``GatherSet``, when the
    file has no channel numbers."""
    from seisview.io.segy import scan

    check_header_byte(channel_byte, "channel")
    rep = scan(path, gather_key=key_byte)
    from seisview.io.segy_geometry import trace_channels

    headers = rep.tables()[2]
    keys = headers.field(key_byte)
    chans, _ = trace_channels(keys, headers.field(channel_byte))
    return keys, chans, rep.n_samples, rep.dt, rep.t0_ms


def read_segy_header(path, byte: int = 233, key_byte: int = 9, channel_byte: int = 13) -> Picks:
    """Picks stored as int32 microseconds at ``byte`` (negative = no pick)."""
    check_header_byte(byte, "pick")
    layout, keys, chans, raw = _traces(path, key_byte, channel_byte)
    us = np.ascontiguousarray(raw[:, byte - 1:byte + 3]).view(f"{layout.endian}i4").ravel()
    ok = us >= 0
    return {(int(k), int(c)): (float(t) / 1000.0, None)
            for k, c, t in zip(keys[ok], chans[ok], us[ok], strict=True)}


def write_segy_header(src, out, picks: dict[tuple[int, int], Pick], byte: int = 233,
                      key_byte: int = 9, channel_byte: int = 13) -> tuple[Path, int, int]:
    """Copy SEG-Y ``src`` to ``out`` with the picks in the header word at ``byte``.

    Returns ``(path, traces written with a pick, picks whose trace is not in the file)``.
    """
    out = Path(out)
    check_header_byte(byte, "pick")  # a byte past the header would overwrite samples
    if out.resolve() == Path(src).resolve():
        raise SeisviewError("will not write picks into the survey file itself",
                            hint="give another output path")
    layout, keys, chans, _ = _traces(src, key_byte, channel_byte)
    where = {(int(k), int(c)): i for i, (k, c) in enumerate(zip(keys, chans, strict=True))}
    us = np.full(len(keys), -1, np.int64)
    missing = 0
    for key, p in picks.items():
        i = where.get(key)
        if i is None:
            missing += 1
        else:
            us[i] = int(round(p.time_ms * 1000.0))
    with atomic_path(out) as tmp:
        shutil.copyfile(src, tmp)
        raw = layout.map_traces(tmp, "r+")
        raw[:, byte - 1:byte + 3] = us.astype(f"{layout.endian}i4").view(np.uint8).reshape(-1, 4)
        raw.flush()
        del raw
    return out, int((us >= 0).sum()), missing


# -- checks ------------------------------------------------------------------------------------
def check_against_survey(picks: Picks, keys: np.ndarray, chans: np.ndarray, n_samples: int,
                         dt_ms: float, t0_ms: float = 0.0, source: str = "picks") -> None:
    """Raise (count + example) when picks name traces the survey lacks or times past its end."""
    known = set(zip(keys.tolist(), chans.tolist(), strict=True))
    t_end = t0_ms + dt_ms * (n_samples - 1)
    bad = [(k, t) for k, (t, _) in picks.items()
           if k not in known or not (math.isfinite(t) and t0_ms <= t <= t_end)]
    if bad:
        (g, ch), t = bad[0]
        hint = "check the gather key and channel columns belong to this survey"
        for shift, base in ((1, "0-based (the survey's start at 1): add 1 to them"),
                            (-1, "1-based (the survey's start at 0): subtract 1")):
            if all((k[0], k[1] + shift) in known for k in picks):
                hint = f"the channel numbers look {base}"
        raise SeisviewError(
            f"{len(bad)} of {len(picks)} picks in {source} do not fit the survey, e.g. gather {g} "
            f"channel {ch} at {t:g} ms (survey: {len(set(keys.tolist()))} gathers, "
            f"times {t0_ms:g}-{t_end:g} ms); nothing was imported", hint=hint)

