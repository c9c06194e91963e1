"""Result variables of volume jobs in a survey store, and the record of their complete chunks.

A store is a zarr group that ``xarray.open_zarr`` opens (dims ``inline``, ``crossline`` and
``time``/``depth``/``sample``, coordinates in line numbers and ms/m, the geometry as JSON in
``seisview_geometry``). A job writes its variables chunk by chunk from any number of processes;
each finished chunk leaves an empty marker file ``.seisview-chunks/<job>/<il>_<xl>`` (one file
per chunk, so no two writers ever touch the same file), and ``job.json`` beside the markers says
which job they belong to. A rerun of the same job skips the marked chunks; a different job
over the same variables is refused rather than mixed in.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry

FORMAT_TAG = "seisview-store/1"
_RECORDS = ".seisview-chunks"


def _zarr():
    import zarr

    return zarr


def is_store(path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / "zarr.json").exists()


def z_dim(geometry: SurveyGeometry) -> str:
    return {"time": "time", "depth": "depth"}.get(geometry.domain, "sample")


def store_geometry(group) -> SurveyGeometry:
    raw = group.attrs.get("seisview_geometry")
    if raw is None:  # a volume cache of `seisview convert` keeps it under "geometry"
        raw = group.attrs.get("geometry")
    if raw is None:
        raise SeisviewError("this zarr folder has no survey geometry",
                            hint="give a store made by `seisview convert` or a seisview job")
    return SurveyGeometry.from_dict(json.loads(raw) if isinstance(raw, str) else raw)


def open_or_create(path, geometry: SurveyGeometry):
    """The store at ``path`` (made when missing), checked to be on ``geometry``.

    Refuses a file, a folder that is not a zarr store, and a store of another survey.
    """
    zarr = _zarr()
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise SeisviewError(f"{p} is a file, not a store", hint="choose a new name ending in .zarr")
    if p.is_dir() and not is_store(p):
        if any(p.iterdir()):
            raise SeisviewError(f"{p} is a folder that is not a zarr store; nothing was written",
                                hint="choose a new name ending in .zarr")
    if not p.parent.is_dir():
        raise SeisviewError(f"folder {p.parent} does not exist", hint="create it or choose another --out")
    if not os.access(p.parent, os.W_OK) or (p.is_dir() and not os.access(p, os.W_OK)):
        raise SeisviewError(f"cannot write to {p}", hint="choose a folder you can write to")
    if is_store(p):
        group = zarr.open_group(store=str(p), mode="r+")
        have = store_geometry(group)
        if have.shape != geometry.shape or have.il.first != geometry.il.first \
                or have.xl.first != geometry.xl.first:
            raise SeisviewError(f"{p} holds another survey ({have.shape} vs {geometry.shape})",
                                hint="choose a new --out")
        return group
    group = zarr.open_group(store=str(p), mode="w")
    group.attrs.update({"seisview_format": FORMAT_TAG,
                        "seisview_geometry": json.dumps(geometry.to_dict())})
    zd = z_dim(geometry)
    for name, values in (("inline", geometry.il.numbers), ("crossline", geometry.xl.numbers),
                         (zd, geometry.samples)):
        arr = group.create_array(name, shape=values.shape, dtype=values.dtype, chunks=values.shape,
                                 dimension_names=(name,))
        arr[:] = values
    return group


def add_variable(group, name: str, dtype, chunks: tuple[int, int, int], leading: tuple[str, int] | None = None,
                 fill_value=0, attrs: dict | None = None):
    """A variable on the survey's dims (``leading``: one more dim first, e.g. ``("class", 9)``).

    An existing variable of the same shape and dtype is returned as it is (a resumed job)."""
    geometry = store_geometry(group)
    dims: tuple[str, ...] = ("inline", "crossline", z_dim(geometry))
    shape: tuple[int, ...] = tuple(geometry.shape)
    full_chunks: tuple[int, ...] = tuple(chunks)
    if leading:
        dims, shape, full_chunks = (leading[0], *dims), (int(leading[1]), *shape), (1, *chunks)
    if name in group:
        arr = group[name]
        if tuple(arr.shape) != shape or np.dtype(arr.dtype) != np.dtype(dtype):
            raise SeisviewError(f"the store already has a different {name!r} ({arr.shape} {arr.dtype})",
                                hint="choose a new --out")
        return arr
    arr = group.create_array(name, shape=shape, dtype=dtype, chunks=full_chunks, fill_value=fill_value,
                             dimension_names=dims)
    if attrs:
        arr.attrs.update(attrs)
    return arr


@dataclass(frozen=True)
class ChunkRecord:
    """Markers of the complete chunks of one job in a store."""

    folder: Path

    @classmethod
    def of(cls, store_path, job: str) -> ChunkRecord:
        return cls(Path(store_path) / _RECORDS / job)

    def begin(self, signature: dict) -> None:
        """Start or resume: same signature keeps the markers; another one is refused."""
        meta = self.folder / "job.json"
        if meta.exists():
            old = json.loads(meta.read_text())
            if old != json.loads(json.dumps(signature)):
                raise SeisviewError(f"the store holds {self.folder.name} from another job "
                                    f"({_difference(old, signature)})",
                                    hint="choose a new --out, or delete the store to start again")
            return
        _records_group(self.folder.parent)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = meta.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(signature, sort_keys=True))
        os.replace(tmp, meta)

    def done(self) -> set[tuple[int, int]]:
        if not self.folder.is_dir():
            return set()
        out = set()
        for f in os.listdir(self.folder):
            a, _, b = f.partition("_")
            if a.isdigit() and b.isdigit():
                out.add((int(a), int(b)))
        return out

    def mark(self, key: tuple[int, int]) -> None:
        (self.folder / f"{key[0]}_{key[1]}").touch()

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _records_group(folder: Path) -> None:
    """The records folder is an (empty) zarr group, so zarr and xarray pass over it quietly."""
    if not (folder / "zarr.json").exists():
        _zarr().open_group(store=str(folder), mode="a")


def consolidate(path) -> None:
    """Refresh the consolidated metadata (what ``xarray.open_zarr`` reads first)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _zarr().consolidate_metadata(str(path))


def _difference(old: dict, new: dict) -> str:
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != json.loads(json.dumps(new.get(k)))]
    return ", ".join(f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in keys[:2]) or "different"


def job_progress(store_path) -> dict[str, dict]:
    """``{job: {"done": n, "total": n, "complete": bool}}`` of every job recorded in a store."""
    root = Path(store_path) / _RECORDS
    out = {}
    if root.is_dir():
        for d in sorted(root.iterdir()):
            meta = d / "job.json"
            if meta.exists():
                total = int(json.loads(meta.read_text()).get("n_chunks", 0))
                n = len(ChunkRecord(d).done())
                out[d.name] = {"done": n, "total": total, "complete": total > 0 and n >= total}
    return out
