"""Pre-stack data: traces grouped into gathers by a header key (FFID by default).

Traces stay in file order in one ``(n_traces, n_samples)`` array; a gather is
the list of trace indices sharing a key, ordered by channel (then offset).
Picks are keyed per trace by ``(gather key, channel)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class TraceRows(Protocol):
    """Traces read by rows on demand (``seisview.io.segy_gathers.MappedTraces``): a pre-stack
    file above the RAM budget stays in the file and is decoded a gather at a time."""

    shape: tuple[int, ...]

    def __getitem__(self, idx: Any) -> np.ndarray: ...


@dataclass(frozen=True)
class Gather:
    key: int
    traces: np.ndarray  # trace indices into GatherSet.data, display order
    data: np.ndarray  # (sample, trace) float32, time down
    channels: np.ndarray  # (trace,) int
    offsets: np.ndarray  # (trace,) float, metres (NaN when unknown)


@dataclass
class GatherSet:
    """All traces of a pre-stack file with their gather key, channel and offset.

    Parameters
    ----------
    data: ``(n_traces, n_samples)`` float32, in memory or read from the file by rows
        (:class:`TraceRows`; index it by trace rows, never as a whole).
    keys: gather key of each trace (e.g. FFID), int64.
    channels: channel / trace-in-gather number of each trace, int64.
    offsets: source-receiver offset in metres of each trace (NaN when unknown).
    dt_ms, t0_ms: sample interval and time of the first sample, in ms.
    key_name: which header the gathers are grouped by ("ffid", "cdp", ...).
    headers: optional extra per-trace header arrays by name (e.g. "fb_us").
    """

    data: np.ndarray | TraceRows
    keys: np.ndarray
    channels: np.ndarray
    offsets: np.ndarray
    dt_ms: float
    t0_ms: float = 0.0
    key_name: str = "ffid"
    headers: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        n = self.data.shape[0]
        for name in ("keys", "channels", "offsets"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries for {n} traces")
        order = np.lexsort((np.nan_to_num(self.offsets), self.channels, self.keys))
        self._order = order
        sorted_keys = self.keys[order]
        self._ids, starts = np.unique(sorted_keys, return_index=True)
        self._bounds = np.append(starts, len(order))

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[1])

    @property
    def samples_ms(self) -> np.ndarray:
        return self.t0_ms + self.dt_ms * np.arange(self.n_samples)

    @property
    def gather_ids(self) -> np.ndarray:
        """Sorted unique gather keys."""
        return self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def trace_indices(self, key: int) -> np.ndarray:
        i = int(np.searchsorted(self._ids, key))
        if i >= len(self._ids) or self._ids[i] != key:
            raise KeyError(f"no gather with {self.key_name} {key}")
        return self._order[self._bounds[i]:self._bounds[i + 1]]

    def gather(self, key: int) -> Gather:
        idx = self.trace_indices(key)
        return Gather(int(key), idx, np.ascontiguousarray(self.data[idx].T), self.channels[idx],
                      self.offsets[idx])
