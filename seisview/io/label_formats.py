"""Label import and export: point files, label images, SEG-Y label cubes, numpy.

* MalenoV / Petrel points: ``inline crossline time_ms [anything]`` per line
  (tabs or spaces), one file per class (``multi_<class>_ilxl.pts``).
* OpendTect point sets: ``inline crossline z`` per line, one file per class.
* Label images (Waldeland style): colours map to classes, resized with nearest
  neighbour to the section.
* Export also to a SEG-Y label cube on the survey geometry and to a ``.npy`` cube.

Imports check every point against the survey first and raise with a count and
an example when any is outside, so nothing is imported half.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry, format_number
from seisview.core.labels import LabelSet
from seisview.core.palette import Palette
from seisview.core.section import SectionSpec
from seisview.io.atomic import (  # noqa: F401  (atomic_write_text: re-exported)
    atomic_path,
    atomic_write_text,
    clean_dead_temps,
)

POINT_FORMATS = ("malenov", "opendtect")
_MALENOV_NAME = re.compile(r"^(?:multi_)?(.+?)(?:_ilxl)?$")
_SECTION_IN_NAME = re.compile(r"(inline|crossline|time|depth)[_:\-]?(\d+(?:\.\d+)?)", re.I)


# -- points ----------------------------------------------------------------------------
def read_points(path) -> np.ndarray:
    """``(N, 3)`` float64 ``inline, crossline, z`` from a text point file.

    Blank lines, ``#`` comments and non-numeric header lines at the top are
    skipped; separators may be tabs, spaces or commas, or semicolons with decimal
    commas (European Excel); extra columns are ignored. Any common encoding is read
    (a byte-order mark never hides the first point).
    """
    from seisview.io.textio import read_text

    path = Path(path)
    rows, lines = [], read_text(path, "point file").splitlines()
    started = False
    for n, line in enumerate(lines, 1):
        body = line.split("#", 1)[0]
        s = (body.replace(",", ".").replace(";", " ") if ";" in body else body.replace(",", " ")).split()
        if not s:
            continue
        try:
            rows.append((float(s[0]), float(s[1]), float(s[2])))
            started = True
        except (ValueError, IndexError):
            if not started and not _numeric(s[0]):
                continue  # a header line
            raise SeisviewError(f"{path.name} line {n} is not 'inline crossline z': {line.strip()[:60]!r}",
                                hint="each line needs three numbers") from None
    if not rows:
        raise SeisviewError(f"{path.name} holds no points", hint="expected lines of 'inline crossline z'")
    return np.array(rows, np.float64)


def _numeric(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def class_name_from_file(path) -> str:
    """``multi_salt_ilxl.pts`` -> ``salt``; other files -> their stem."""
    stem = Path(path).stem
    m = _MALENOV_NAME.match(stem)
    return m.group(1) if m else stem


def points_to_changes(points: np.ndarray, geometry: SurveyGeometry, class_id: int, *,
                      on: str = "inline", source: str = "points") -> dict[SectionSpec, tuple]:
    """Map survey points to ``{section: (flat_idx, values)}``; raises if any point is outside.

    ``on`` picks the sections the points are painted on: ``"inline"`` or ``"crossline"``.
    """
    if on not in ("inline", "crossline"):
        raise SeisviewError(f"points go on inline or crossline sections, not {on!r}")
    il_i, bad_il = geometry.il.indices_of(points[:, 0])
    xl_i, bad_xl = geometry.xl.indices_of(points[:, 1])
    k, bad_z = geometry.samples_of(points[:, 2], tol=0.25)
    bad = bad_il | bad_xl | bad_z
    if bad.any():
        hint = "check the column order (inline, crossline, z) and that the file belongs to this survey"
        if bad_z.all() and not (bad_il | bad_xl).any() and not geometry.samples_of(
                points[:, 2] * 1000.0)[1].any():
            hint = "the z values look like seconds: import with --z-unit s"
        i = int(np.flatnonzero(bad)[0])
        il, xl, z = (format_number(v) for v in points[i])
        g = geometry
        raise SeisviewError(
            f"{int(bad.sum())} of {len(points)} points in {source} are outside the survey, e.g. point "
            f"{i + 1}: inline {il}, crossline {xl}, {g.z_name} {z} {g.z_unit} (survey: {g.extent_text()}"
            f" every {format_number(g.dt)} {g.z_unit}); nothing was imported", hint=hint)
    sec, col = (il_i, xl_i) if on == "inline" else (xl_i, il_i)
    n_cols = geometry.xl.count if on == "inline" else geometry.il.count
    out = {}
    order = np.argsort(sec, kind="stable")
    bounds = np.flatnonzero(np.diff(sec[order])) + 1
    for grp in np.split(order, bounds):
        if len(grp):
            out[SectionSpec(on, int(sec[grp[0]]))] = (k[grp] * n_cols + col[grp],
                                                      np.full(len(grp), class_id, np.uint8))
    return out


def merge_changes(target: dict, more: dict) -> None:
    """Add ``more`` to ``target`` (later values win on a pixel given twice)."""
    for spec, (idx, vals) in more.items():
        if spec in target:
            i0, v0 = target[spec]
            target[spec] = (np.concatenate([i0, idx]), np.concatenate([v0, vals]))
        else:
            target[spec] = (idx, vals)


def import_point_files(labels: LabelSet, palette: Palette, files, *, class_names=None,
                       on: str = "inline", z_unit: str = "ms") -> dict:
    """Import point files (one class each) as one stroke; returns a summary dict.

    ``z_unit`` "s" multiplies z by 1000 (OpendTect can write times in seconds). A file whose
    z are all negative and fit only once negated (Petrel) is read so and named in ``negated_z``.
    """
    files = [Path(f) for f in files]
    if class_names and len(class_names) != len(files):
        raise SeisviewError(f"{len(class_names)} class names for {len(files)} files",
                            hint="give one --class per file, in the same order, or none")
    names = list(class_names) if class_names else [class_name_from_file(f) for f in files]
    changes: dict = {}
    n_points = 0
    negated = []
    for f, name in zip(files, names, strict=True):
        pts = read_points(f)
        if z_unit == "s":
            pts[:, 2] *= 1000.0
        cls = palette.by_name(name, create=True)
        try:
            more = points_to_changes(pts, labels.survey(), cls.id, on=on, source=f.name)
        except SeisviewError:
            more = _negated_z(pts, labels.survey(), cls.id, on, f.name)
            if more is None:
                raise
            negated.append(f.name)
        merge_changes(changes, more)
        n_points += len(pts)
    stroke = labels.apply(changes, tool="import")
    out: dict[str, object] = {"points": n_points, "sections": len(changes), "classes": len(set(names)),
           "changed_pixels": stroke.n_pixels if stroke else 0}
    if negated:
        out["negated_z"] = negated
    return out


def _negated_z(pts: np.ndarray, geometry: SurveyGeometry, class_id: int, on: str, source: str):
    """The changes of points whose z are all <= 0 and fit the survey once negated (Petrel
    writes time and depth downwards as negative numbers), else None."""
    if not (pts[:, 2] <= 0).all():
        return None
    try:
        return points_to_changes(pts * [1.0, 1.0, -1.0], geometry, class_id, on=on, source=source)
    except SeisviewError:
        return None


def label_points(labels: LabelSet, class_id: int) -> np.ndarray:
    """``(N, 3)`` inline, crossline, z of every labelled pixel of ``class_id``, sorted."""
    g = labels.survey()
    il_no, xl_no, z = g.il.numbers, g.xl.numbers, g.samples
    out = []
    for spec, m in labels.snapshot().items():
        r, c = np.nonzero(m == class_id)
        if spec.kind == "inline":
            out.append(np.column_stack([np.full(len(r), il_no[spec.index]), xl_no[c], z[r]]))
        elif spec.kind == "crossline":
            out.append(np.column_stack([il_no[c], np.full(len(r), xl_no[spec.index]), z[r]]))
        else:
            out.append(np.column_stack([il_no[r], xl_no[c], np.full(len(r), z[spec.index])]))
    pts = np.concatenate(out) if out else np.zeros((0, 3))
    return pts[np.lexsort((pts[:, 2], pts[:, 1], pts[:, 0]))] if len(pts) else pts


EXPORT_MARKER = "seisview-export.json"  # written last: the folder's export is complete


def export_points(labels: LabelSet, palette: Palette, outdir, fmt: str = "malenov") -> list[Path]:
    """One point file per class that has labels; returns the files written.

    Complete or absent: a new folder is filled under a temporary name and renamed when
    every file is written; into an existing folder, the completion marker
    (:data:`EXPORT_MARKER`, listing the files and their sizes) is removed first and written
    last, so a folder without it holds an export that did not finish.
    """
    if fmt not in POINT_FORMATS:
        raise SeisviewError(f"unknown point format {fmt!r}", hint=f"use {' or '.join(POINT_FORMATS)}")
    outdir = Path(outdir)
    clean_dead_temps(outdir.parent)
    fresh = not outdir.exists()
    work = outdir.with_name(f".{outdir.name}.part{os.getpid()}") if fresh else outdir
    work.mkdir(parents=True, exist_ok=not fresh)
    (work / EXPORT_MARKER).unlink(missing_ok=True)
    counts = labels.class_counts()
    written = []
    try:
        for cls in palette:
            if not counts.get(cls.id):
                continue
            pts = label_points(labels, cls.id)
            if fmt == "malenov":  # MalenoV's four tab-separated columns; the 4th is unused
                name, sep, tail = f"multi_{cls.name}_ilxl.pts", "\t", "\t0"
            else:
                name, sep, tail = f"{cls.name}.txt", " ", ""
            lines = [sep.join(map(format_number, p)) + f"{tail}\n" for p in pts]
            written.append(atomic_write_text(work / name, "".join(lines)))
        marker = {"format": fmt, "complete": True,
                  "files": {f.name: f.stat().st_size for f in written}}
        atomic_write_text(work / EXPORT_MARKER, json.dumps(marker, indent=1))
        if fresh:
            os.rename(work, outdir)
    except BaseException:
        if fresh:
            shutil.rmtree(work, ignore_errors=True)
        raise
    return [outdir / f.name for f in written]


# -- label images --------------------------------------------------------------------------
def section_from_filename(path, geometry: SurveyGeometry) -> SectionSpec | None:
    m = _SECTION_IN_NAME.search(Path(path).stem)
    return geometry.parse_spec(f"{m.group(1)}:{m.group(2)}") if m else None


def read_label_image(path, colors: dict, shape: tuple[int, int], resize: bool = False) -> np.ndarray:
    """Class mask ``shape`` from a colour image: pixels of exactly a listed ``(r, g, b)``
    (and alpha >= 128) get its class id, anything else 0.

    The image must have the section's size (samples down, traces across); another size is
    refused naming both, unless ``resize`` (nearest neighbour) is asked for.
    """
    from PIL import Image

    from seisview.io.inputs import check_input

    check_input(path, "label image")
    try:
        with Image.open(path) as im:
            rgba = np.asarray(im.convert("RGBA"))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SeisviewError(f"cannot read image {path}: {exc}",
                            hint="give a PNG/JPEG/TIFF label image, or --format malenov/opendtect for points") from None
    h, w = rgba.shape[:2]
    if (h, w) == tuple(shape[::-1]) and h != w:  # an exact transpose is no resize: refuse, do not smear
        raise SeisviewError(f"image {Path(path).name} is {w} wide x {h} high, the section {shape[1]} traces x "
                            f"{shape[0]} samples: it looks transposed",
                            hint="save it with samples down the rows and traces across")
    if (h, w) != tuple(shape) and not resize:
        raise SeisviewError(f"image {Path(path).name} is {w} wide x {h} high but the section is {shape[1]} "
                            f"traces x {shape[0]} samples",
                            hint="export the labels at the section's size, or pass --resize to stretch "
                            "the image onto the section")
    rows = np.minimum(((np.arange(shape[0]) + 0.5) * h / shape[0]).astype(int), h - 1)
    cols = np.minimum(((np.arange(shape[1]) + 0.5) * w / shape[1]).astype(int), w - 1)
    px = rgba[rows][:, cols]
    out = np.zeros(shape, np.uint8)
    opaque = px[..., 3] >= 128
    for rgb, cid in colors.items():
        out[opaque & np.all(px[..., :3] == np.asarray(rgb, np.uint8), axis=-1)] = cid
    return out


def parse_colors(specs, palette: Palette) -> dict:
    """``["0,0,255=other", ...]`` -> ``{(0, 0, 255): class id}`` (adds missing classes)."""
    out = {}
    for s in specs:
        rgb_text, _, name = s.partition("=")
        try:
            rgb = tuple(int(v) for v in rgb_text.split(","))
            assert len(rgb) == 3 and all(0 <= v <= 255 for v in rgb) and name
        except (ValueError, AssertionError):
            raise SeisviewError(f"colour mapping {s!r} is not R,G,B=class",
                                hint="write e.g. 255,0,0=salt") from None
        cls = palette.by_name(name, create=False) if _has(palette, name) else palette.add(name, rgb)
        out[rgb] = cls.id
    return out


def _has(palette: Palette, name: str) -> bool:
    return any(c.name.lower() == name.lower() for c in palette)


def import_images(labels: LabelSet, palette: Palette, files, *, section: str | None = None,
                  colors=None, resize: bool = False) -> dict:
    """Import label images as one stroke; the section comes from ``section`` or the file name.
    Images must have the section's size unless ``resize`` (see :func:`read_label_image`)."""
    g = labels.survey()
    table = parse_colors(colors, palette) if colors else {c.color: c.id for c in palette}
    changes: dict = {}
    for f in files:
        spec = g.parse_spec(section) if section else section_from_filename(f, g)
        if spec is None:
            raise SeisviewError(f"which section is {Path(f).name}?",
                                hint="add --section inline:N (or name the file inline_N.png)")
        mask = read_label_image(f, table, labels.shape(spec), resize=resize)
        if not mask.any():
            raise SeisviewError(f"no pixel of {Path(f).name} has a class colour "
                                f"({', '.join(f'{palette.get(i).name}={k}' for k, i in table.items())})",
                                hint="map the image colours with --colors R,G,B=class ...")
        idx = np.flatnonzero(mask)
        merge_changes(changes, {spec: (idx, mask.ravel()[idx])})
    stroke = labels.apply(changes, tool="import")
    return {"images": len(files), "sections": len(changes),
            "labelled_pixels": int(sum(len(i) for i, _ in changes.values())),
            "changed_pixels": stroke.n_pixels if stroke else 0}


# -- cubes ------------------------------------------------------------------------------------
def label_cube(labels: LabelSet, out: np.ndarray | None = None) -> np.ndarray:
    """``(il, xl, sample)`` uint8 cube of all labels (time slices, then crosslines, then
    inlines are written, so an inline label wins where sections cross)."""
    g = labels.survey()
    cube = np.zeros(g.shape, np.uint8) if out is None else out
    snap = labels.snapshot()
    for kind in ("time", "crossline", "inline"):
        for spec, m in snap.items():
            if spec.kind != kind:
                continue
            view = {"inline": lambda i: cube[i, :, :], "crossline": lambda i: cube[:, i, :],
                    "time": lambda i: cube[:, :, i]}[kind](spec.index)
            src = m if kind == "time" else m.T  # vertical masks are (sample, trace)
            view[src != 0] = src[src != 0]
    return cube


def export_npy(labels: LabelSet, path) -> Path:
    path = Path(path)
    with atomic_path(path, suffix=".tmp.npy") as tmp:
        cube = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=labels.survey().shape)
        label_cube(labels, cube)
        cube.flush()
        del cube
    return path


def export_segy(labels: LabelSet, path) -> Path:
    """Class ids as int16 samples on the survey's geometry (0 = unlabelled)."""
    from seisview.io.segy_write import write_volume_segy

    g = labels.survey()
    return write_volume_segy(path, label_cube(labels), g, sample_format=3,
                             text=[f"seisview label cube on {g.name or 'survey'}",
                                   "sample value = class id, 0 = unlabelled"])
