"""The survey store: one zarr folder for a large survey's amplitudes and every volume-wide result.

Layout (``seisview-store/2``), readable by ``xarray.open_zarr(path)`` as a Dataset:

- dims ``inline``, ``crossline`` and ``time`` (ms) / ``depth`` (m) / ``sample``; their
  coordinate arrays hold line numbers and sample positions;
- group attributes ``seisview_format`` (this format tag) and ``seisview_geometry`` (the
  :class:`SurveyGeometry` as a JSON object), plus whatever the writer adds (``seisview_scan``...);
- variables over the survey's dims: ``amplitude`` (float32), ``live`` (inline, crossline) bool,
  results ``classes`` (uint8), ``probability`` (float32, leading dim ``class``),
  ``uncertainty``, attribute volumes by name; each added with :meth:`SurveyStore.add_variable`
  so it gets the survey's dims, coordinates and chunks;
- optional time-major copies ``(z, inline, crossline)`` in the subgroup ``time_major/`` (out of
  xarray's sight: the Dataset shows each variable once), for time slices that read few bytes;
  the amplitudes' copy is built after the conversion (``io.store_time_major``) and appears
  under its name only once complete;
- the survey's amplitudes and their copy are sharded (zarr v3 ``sharding_indexed``): chunks of
  8 x 8 whole traces (copy: 8 samples x one shard of traces) in shards of about 128 x 128
  traces, one file each; the survey's chunks are Blosc-compressed in blocks of one inline's part
  (``survey_compressors``), plain Blosc frames any reader decodes. A ``seisview-store/1`` store of amplitudes (16 x 16-trace chunks, one
  file per chunk) is refused in one line, and a survey's automatic one rebuilt; one holding only
  results (predictions, attributes: unchanged layout) is used as it is.

Metadata is consolidated after every change made here, so xarray opens the store quietly;
seisview itself reads the live metadata (a variable added by another process is always seen).
A store holding ``amplitude`` made by a conversion has a manifest (``cache_files``) and is
refused when its files do not match it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry

FORMAT = "seisview-store/2"
OLD_FORMATS = ("seisview-store/1",)  # with survey amplitudes: refused in one line (an automatic
# store is rebuilt); holding only results (whose layout did not change): read and resumed as they are
TIME_MAJOR = "time_major"  # subgroup of the time-major copies
SURVEY_DIMS = ("inline", "crossline")


def z_dim(geometry: SurveyGeometry) -> str:
    """``time``, ``depth`` or ``sample``: the name of the vertical dim of a survey's store."""
    return geometry.domain if geometry.domain in ("time", "depth") else "sample"


def survey_chunks(shape: Sequence[int]) -> tuple[int, int, int]:
    """Chunk shape of ``(inline, crossline, z)`` variables: 8 x 8 whole traces. With chunks
    read and written directly (``io.store_chunks``: zarr's per-chunk work was half a read's
    CPU), 8 x 8 reads an inline with 0.65x the CPU of 16 x 16 and a crossline with as much;
    4 x 4 gains little more (docs/measurements.md, "The survey store, second round")."""
    n_il, n_xl, ns = (int(v) for v in shape)
    return (min(n_il, 8), min(n_xl, 8), max(1, ns))


def _even(n: int, target: int) -> int:
    """The chunk length nearest ``target`` that splits ``n`` into equal parts (zarr stores an
    edge chunk whole: 651 lines in chunks of 128 would store 768)."""
    return -(-n // -(-n // target))


def survey_shards(shape: Sequence[int]) -> tuple[int, int, int]:
    """Shard shape of the survey's variables: about 128 x 128 whole traces, a whole number of
    chunks split evenly over the survey. One shard is one file (about 100 files for F3, not
    5,000) and one conversion task writes one shard of each array."""
    n_il, n_xl, ns = (int(v) for v in shape)
    ci, cx, _ = survey_chunks(shape)
    return (ci * _even(-(-n_il // ci), -(-128 // ci)), cx * _even(-(-n_xl // cx), -(-128 // cx)), max(1, ns))


def time_major_chunks(shape: Sequence[int]) -> tuple[int, int, int]:
    """Chunk shape of ``(z, inline, crossline)`` copies: 8 samples by one shard of traces."""
    n_il, n_xl, ns = (int(v) for v in shape)
    si, sx, _ = survey_shards(shape)
    return (min(ns, 8), si, sx)


def time_major_shards(shape: Sequence[int]) -> tuple[int, int, int]:
    """Shard shape of the time-major copies: every sample of one shard of traces (one file)."""
    c, si, sx = time_major_chunks(shape)
    return (-(-int(shape[2]) // c) * c, si, sx)


def default_compressors() -> tuple:
    """The lossless codec of every variable: Blosc LZ4 (level 5) after byte shuffle. It keeps
    0.56-0.64 of the bytes of real float surveys (F3, Penobscot, Volve crops), and reads cost
    1.2-3x the CPU of raw chunks; zstd saves ~15 % more but reads 2-6x slower (measurements.md)."""
    from zarr.codecs import BloscCodec

    return (BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),)


def survey_compressors(shape: Sequence[int], itemsize: int) -> tuple:
    """The codec of the survey-chunked variables: as :func:`default_compressors`, with Blosc
    blocks of one inline's part of a chunk (``chunk crosslines x samples``; of 2, 4 inlines'
    parts when one is under 8 KB), so an inline read decodes only its own blocks
    (``io.blosc_calls``). Small blocks compress less: on real crops 6 % more bytes at
    14.5-14.8 KB blocks (F3, Volve), 11 % at 7 KB (measurements.md, third round)."""
    from zarr.codecs import BloscCodec

    ci, cx, ns = survey_chunks(shape)
    part, k = cx * ns * int(itemsize), 1
    while k < ci and k * part < 8192:
        k *= 2
    return (BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", blocksize=k * part if k < ci else 0),)


class SurveyStore:
    """An open store folder. ``mode`` is ``"r"`` or ``"r+"`` (adding variables)."""

    def __init__(self, path: Path, group, geometry: SurveyGeometry, mode: str):
        self.path = path
        self.group = group
        self.geometry = geometry
        self.mode = mode

    # -- what the store holds ------------------------------------------------
    @property
    def z_dim(self) -> str:
        return z_dim(self.geometry)

    @property
    def dims(self) -> tuple[str, str, str]:
        return ("inline", "crossline", self.z_dim)

    @property
    def chunks(self) -> tuple[int, int, int]:
        return survey_chunks(self.geometry.shape)

    @property
    def shards(self) -> tuple[int, int, int]:
        return survey_shards(self.geometry.shape)

    @property
    def attrs(self) -> dict:
        return dict(self.group.attrs)

    def variables(self) -> list[str]:
        """Names of the data variables (not the coordinates, not the time-major copies)."""
        coords = {*SURVEY_DIMS, self.z_dim}
        names = []
        with warnings.catch_warnings():  # zarr notes the manifest file beside the arrays
            warnings.simplefilter("ignore")
            members = list(self.group.arrays())
        for name, arr in members:
            dims = tuple(arr.metadata.dimension_names or ())
            if name not in coords and not (len(dims) == 1 and dims[0] == name):
                names.append(name)
        return sorted(names)

    def __contains__(self, name: str) -> bool:
        return name in self.variables()

    def array(self, name: str):
        """The zarr array of variable ``name``; one clear line when the store has none."""
        try:
            return self.group[name]
        except KeyError:
            raise SeisviewError(f"the store {self.path} has no variable {name!r} "
                                f"(it has {', '.join(self.variables()) or 'none'})",
                                hint="compute it first (`seisview predict` / `seisview attribute`)") from None

    def time_major(self, name: str):
        """The ``(z, inline, crossline)`` copy of ``name``, or None when it has none."""
        with contextlib.suppress(KeyError):
            return self.group[f"{TIME_MAJOR}/{name}"]
        return None

    def volume(self, name: str = "amplitude"):
        """A lazily read :class:`Volume` of a 3-D variable (chunks are read as sections ask)."""
        from seisview.io.store_volume import store_volume

        return store_volume(self, name)

    def dataset(self):
        """The store as an xarray Dataset (dask arrays: nothing is read yet)."""
        import xarray

        return xarray.open_zarr(self.path, consolidated=False)

    # -- adding to it ------------------------------------------------------------
    def add_variable(self, name: str, dtype="float32", *, leading: Mapping[str, Any] | None = None,
                     fill_value=0, attrs: Mapping[str, Any] | None = None, time_major: bool = False,
                     chunks: Sequence[int] | None = None, overwrite: bool = False):
        """Create variable ``name`` over the survey's dims (after ``leading`` ones) and return it.

        ``leading``: ``{dim: size or coordinate values}`` for extra leading dims, e.g.
        ``{"class": [1, 2, 3]}`` (chunked one by one); a coordinate array is written for each.
        ``chunks`` overrides the survey chunks of the last three dims (unsharded: a job writes
        its chunks through zarr); without it, a 3-D variable is sharded as the survey's
        amplitudes (``survey_shards``: written whole shard by whole shard). ``time_major`` also makes
        an empty ``(z, inline, crossline)`` copy (3-D variables only) for the writer to fill.
        An existing variable is returned as it is (same shape and dtype) unless ``overwrite``.
        """
        self._writable()
        _check_name(name)
        leading = dict(leading or {})
        lead_dims, lead_sizes = [], []
        for dim, spec in leading.items():
            _check_name(dim)
            values = np.arange(int(spec)) if isinstance(spec, int | np.integer) else np.asarray(spec)
            if values.ndim != 1 or values.size == 0:
                raise SeisviewError(f"leading dim {dim!r} needs a size or a list of values",
                                    hint="e.g. leading={'class': [1, 2, 3]}")
            lead_dims.append(dim)
            lead_sizes.append(values.size)
            if dim not in self.group:
                self._coordinate(dim, values)
        shape = (*lead_sizes, *self.geometry.shape)
        body = tuple(chunks) if chunks is not None else self.chunks
        dims = (*lead_dims, *self.dims)
        if name in self.group and not overwrite:
            arr = self.group[name]
            if tuple(arr.shape) != shape or np.dtype(arr.dtype) != np.dtype(dtype):
                raise SeisviewError(f"the store {self.path} already has {name!r} of shape "
                                    f"{tuple(arr.shape)} {arr.dtype}, not {shape} {np.dtype(dtype)}",
                                    hint="write to a new store, or remove the variable first")
            return arr
        shards = self.shards if chunks is None and not lead_sizes else None
        codec = (survey_compressors(self.geometry.shape, np.dtype(dtype).itemsize) if shards
                 else default_compressors())
        arr = self.group.create_array(name, shape=shape, chunks=(*([1] * len(lead_sizes)), *body),
                                      shards=shards, dtype=dtype, fill_value=fill_value,
                                      dimension_names=dims, compressors=codec, overwrite=overwrite)
        if attrs:
            arr.attrs.update(dict(attrs))
        if time_major:
            if lead_sizes:
                raise SeisviewError("a time-major copy is made for 3-D variables only",
                                    hint="leave time_major off for variables with leading dims")
            tm = self.group.require_group(TIME_MAJOR)
            n_il, n_xl, ns = self.geometry.shape
            tm.create_array(name, shape=(ns, n_il, n_xl), chunks=time_major_chunks(self.geometry.shape),
                            shards=time_major_shards(self.geometry.shape), dtype=dtype, fill_value=fill_value,
                            dimension_names=(self.z_dim, "inline", "crossline"),
                            compressors=default_compressors(), overwrite=True)
        consolidate(self.path)
        return arr

    def add_map(self, name: str, values: np.ndarray):
        """Write a whole ``(inline, crossline)`` array (the dead-trace mask ``live``, a horizon)."""
        self._writable()
        _check_name(name)
        values = np.asarray(values)
        if values.shape != self.geometry.shape[:2]:
            raise SeisviewError(f"map {name!r} has shape {values.shape}, not the survey's "
                                f"{self.geometry.shape[:2]}", hint="give one value per trace")
        arr = self.group.create_array(name, shape=values.shape, dtype=values.dtype, chunks=values.shape,
                                      dimension_names=SURVEY_DIMS, compressors=default_compressors(),
                                      overwrite=True)
        arr[:] = values
        consolidate(self.path)
        return arr

    def set_attrs(self, **values) -> None:
        """Merge JSON-able values into the group attributes (and refresh xarray's view)."""
        self._writable()
        self.group.attrs.update(values)
        consolidate(self.path)

    def _coordinate(self, dim: str, values: np.ndarray) -> None:
        arr = self.group.create_array(dim, shape=values.shape, dtype=values.dtype, chunks=values.shape,
                                      dimension_names=(dim,), compressors=None, overwrite=True)
        arr[:] = values

    def _writable(self) -> None:
        if self.mode == "r":
            raise SeisviewError(f"the store {self.path} was opened read-only",
                                hint="open it with mode='r+' to add variables")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or "/" in name or name.startswith((".", "_")) \
            or name in ("zarr.json", TIME_MAJOR):
        raise SeisviewError(f"{name!r} is not a usable variable name",
                            hint="use letters, digits and underscores, e.g. 'envelope'")


def consolidate(path) -> None:
    """Rewrite the consolidated metadata xarray reads (zarr 3 warns it is an extension)."""
    import zarr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zarr.consolidate_metadata(str(path))


def create_store(path, geometry: SurveyGeometry, *, attrs: Mapping[str, Any] | None = None) -> SurveyStore:
    """Make an empty store (coordinates and attributes, no variables) at ``path``, a new folder."""
    import zarr

    p = Path(path)
    if p.exists():
        raise SeisviewError(f"{p} exists already; a store is only made in a new folder",
                            hint="give a new name, e.g. survey.zarr, or delete the old one")
    if not p.parent.is_dir():
        raise SeisviewError(f"cannot make the store {p}: the folder {p.parent} does not exist",
                            hint="create the folder first or give another path")
    try:
        group = zarr.open_group(store=str(p), mode="w-", zarr_format=3)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise SeisviewError(f"cannot make the store {p}: the disk is full ({exc.strerror})",
                                hint="free disk space, or give a path on another disk") from None
        raise SeisviewError(f"cannot make the store {p} ({exc.strerror or exc})",
                            hint="check that the folder is writable") from None
    group.attrs.update({"seisview_format": FORMAT, "seisview_geometry": geometry.to_dict(),
                        **dict(attrs or {})})
    store = SurveyStore(p, group, geometry, "r+")
    store._coordinate("inline", geometry.il.numbers)
    store._coordinate("crossline", geometry.xl.numbers)
    store._coordinate(z_dim(geometry), geometry.samples)
    group[z_dim(geometry)].attrs["units"] = geometry.z_unit
    consolidate(p)
    return store


def is_store(path) -> bool:
    """A folder with the format tag of this module (a quick look, not a check)."""
    try:
        meta = json.loads((Path(path) / "zarr.json").read_text(encoding="utf-8"))
        fmt = meta.get("attributes", {}).get("seisview_format")
        return fmt == FORMAT or (fmt in OLD_FORMATS and not (Path(path) / "amplitude").exists())
    except (OSError, ValueError, AttributeError):
        return False


def open_store(path, mode: str = "r") -> SurveyStore:
    """Open a store; refused in one line when it is not one, is damaged or was never finished."""
    import zarr

    from seisview.io.cache_files import MANIFEST, check_manifest, damaged

    p = Path(path)
    if mode not in ("r", "r+"):
        raise ValueError(f"mode {mode!r}")
    if not p.is_dir():
        raise SeisviewError(f"{p} is not a seisview store (no such folder)",
                            hint="make one with `seisview convert SEGY OUT.zarr`")
    try:
        group = zarr.open_group(store=str(p), mode="r" if mode == "r" else "r+", use_consolidated=False)
        attrs = dict(group.attrs)
    except Exception as exc:  # zarr raises several types for foreign folders
        if (p / MANIFEST).exists():  # one of ours whose group metadata broke
            raise damaged(p, f"its metadata is unreadable ({type(exc).__name__})") from None
        raise SeisviewError(f"{p} is not a seisview store ({type(exc).__name__}: {exc})",
                            hint="make one with `seisview convert SEGY OUT.zarr`") from None
    fmt = attrs.get("seisview_format", attrs.get("format"))
    if fmt in OLD_FORMATS and "amplitude" not in group:
        fmt = FORMAT  # results only (a prediction, attributes): their layout did not change
    if fmt != FORMAT:
        old = isinstance(fmt, str) and fmt.startswith("seisview-volume-cache")
        raise SeisviewError(f"{p} is a cache of an older seisview, not a store" if old
                            else f"{p} is a store of an older seisview ({fmt}; this one reads {FORMAT})"
                            if fmt in OLD_FORMATS else f"{p} is not a seisview store",
                            hint="convert the SEG-Y again: `seisview convert SEGY OUT.zarr`")
    if (p / MANIFEST).exists() or "amplitude" in group:
        try:
            check_manifest(p)
        except ValueError as exc:
            raise damaged(p, str(exc)) from None
    try:
        geo = attrs["seisview_geometry"]
        if isinstance(geo, str):  # JSON text is accepted too (volume jobs' stores wrote it so)
            geo = json.loads(geo)
        if not isinstance(geo, dict):
            raise TypeError("not a JSON object")
        geometry = SurveyGeometry.from_dict(geo)
    except Exception as exc:  # a missing or mangled attribute
        raise SeisviewError(f"the store {p} is damaged (geometry: {type(exc).__name__}: {exc})",
                            hint="make it again with `seisview convert`") from None
    return SurveyStore(p, group, geometry, mode)
