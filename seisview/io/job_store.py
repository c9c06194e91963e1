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

_RECORDS = ".seisview-chunks"


def is_store(path) -> bool:
    from seisview.io.store import is_store as tagged

    return tagged(path)


def store_geometry(path) -> SurveyGeometry:
    from seisview.io.store import open_store

    return open_store(path).geometry


def open_or_create(path, geometry: SurveyGeometry):
    """The store (``io.store.SurveyStore``, writable) at ``path``, made when missing, checked
    to be of ``geometry``. Refuses a file, a folder that is not a store (an empty one is
    taken), a store of another survey and a place that cannot be written."""
    from seisview.io.store import create_store, open_store

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise SeisviewError(f"{p} is a file, not a store", hint="choose a new name ending in .zarr")
    if not p.parent.is_dir():
        raise SeisviewError(f"cannot write {p}: folder {p.parent} does not exist",
                            hint="create it or choose another output path")
    if p.is_dir() and not is_store(p):
        if any(p.iterdir()):
            raise SeisviewError(f"{p} is a folder that is not a seisview store; nothing was written",
                                hint="choose a new name ending in .zarr")
        p.rmdir()  # an empty folder made for it: the store takes its place
    if not os.access(p.parent, os.W_OK) or (p.is_dir() and not os.access(p, os.W_OK)):
        raise SeisviewError(f"cannot write to {p}", hint="choose a folder you can write to")
    if is_store(p):
        store = open_store(p, "r+")
        have = store.geometry
        if have.shape != geometry.shape or have.il.first != geometry.il.first \
                or have.xl.first != geometry.xl.first:
            raise SeisviewError(f"{p} holds another survey ({have.shape} vs {geometry.shape})",
                                hint="choose a new output path")
        return store
    return create_store(p, geometry)


def add_variable(store, name: str, dtype, chunks: tuple[int, int, int],
                 leading: tuple[str, int] | None = None, fill_value=0, attrs: dict | None = None):
    """A result variable on the survey's dims, chunked ``chunks`` (``leading``: one more dim
    first, e.g. ``("class", 9)``: its coordinate holds the label ids 1..9). An existing one of
    the same shape and dtype is returned as it is (a resumed job)."""
    lead = {leading[0]: np.arange(1, int(leading[1]) + 1)} if leading else None
    return store.add_variable(name, dtype, leading=lead, fill_value=fill_value, attrs=attrs,
                              chunks=chunks)


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
        import zarr

        zarr.open_group(store=str(folder), mode="a")


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
