"""First-break picks per trace: ``(gather key, channel) -> time in ms``.

Each pick may carry a ``confidence`` in 0..1 (set when a model produced it;
``None`` for a hand pick). Edits come in batches (one click, one drag, one
"accept predictions", one import), each one undo step and one journal
transaction, like label strokes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from psygnal import Signal, SignalGroup

from seisview.core.errors import SeisviewError
from seisview.core.history import UndoStack

TraceKey = tuple[int, int]  # (gather key, channel)


@dataclass(frozen=True)
class Pick:
    time_ms: float
    confidence: float | None = None


@dataclass(frozen=True)
class PickChange:
    key: TraceKey
    old: Pick | None
    new: Pick | None  # None = deleted


@dataclass(frozen=True)
class PickEdit:
    id: int
    tool: str  # "pick", "delete", "import", "predict", "moveout", ...
    changes: tuple[PickChange, ...]


class PickJournal(Protocol):
    def commit_picks(self, tool: str, changes: tuple[PickChange, ...], dropped: list[int]) -> int: ...

    def mark_picks(self, edit_id: int, state: str) -> None: ...


class PickEvents(SignalGroup):
    changed = Signal(object)  # set of gather keys whose picks changed
    history = Signal()


class PickSet:
    """All picks of a project, with batched edits and undo."""

    def __init__(self, journal: PickJournal | None = None):
        self.journal = journal
        self.events = PickEvents()
        self._picks: dict[TraceKey, Pick] = {}
        self._history = UndoStack()
        self._next_id = 1

    # -- queries ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._picks)

    def __contains__(self, key) -> bool:
        return _key(key) in self._picks

    def get(self, gather: int, channel: int) -> Pick | None:
        return self._picks.get((int(gather), int(channel)))

    def snapshot(self) -> dict[TraceKey, Pick]:
        """A copy of all picks (picks are frozen, the dict is yours)."""
        return dict(self._picks)

    def gathers(self) -> list[int]:
        return sorted({k[0] for k in self._picks})

    def for_gather(self, gather: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``channels`` (sorted), ``times_ms`` and ``confidence`` (NaN for hand picks)."""
        items = sorted((k[1], p) for k, p in self._picks.items() if k[0] == int(gather))
        ch = np.array([c for c, _ in items], np.int64)
        t = np.array([p.time_ms for _, p in items], np.float64)
        conf = np.array([np.nan if p.confidence is None else p.confidence for _, p in items])
        return ch, t, conf

    # -- edits --------------------------------------------------------------------------
    def set(self, gather: int, channel: int, time_ms: float, confidence: float | None = None,
            tool: str = "pick") -> PickEdit | None:
        return self.set_many({(gather, channel): (time_ms, confidence)}, tool=tool)

    def set_many(self, picks: dict, tool: str = "pick") -> PickEdit | None:
        """Set many picks in one step: ``{(gather, channel): time_ms or (time_ms, confidence)}``."""
        changes = []
        for key, val in picks.items():
            t, conf = (val if isinstance(val, tuple) else (val, None))
            new = Pick(_time(t, key), _conf(conf, key))
            k = _key(key)
            old = self._picks.get(k)
            if old != new:
                changes.append(PickChange(k, old, new))
        return self._apply(tool, changes)

    def delete(self, gather: int, channel: int) -> PickEdit | None:
        return self.delete_many([(gather, channel)])

    def delete_many(self, keys, tool: str = "delete") -> PickEdit | None:
        changes = [PickChange(k, self._picks[k], None) for k in map(_key, keys) if k in self._picks]
        return self._apply(tool, changes)

    def _apply(self, tool: str, changes: list[PickChange]) -> PickEdit | None:
        if not changes:
            return None
        changes_t = tuple(changes)
        dropped = self._history.redo_ids()
        eid = (self.journal.commit_picks(tool, changes_t, dropped)
               if self.journal is not None else self._next_id)
        self._next_id = max(self._next_id, eid) + 1
        edit = PickEdit(eid, tool, changes_t)
        self._write(changes_t, new=True)
        self._history.push(edit)
        self.events.history.emit()
        return edit

    def _write(self, changes, *, new: bool) -> None:
        for c in (changes if new else reversed(changes)):
            p = c.new if new else c.old
            if p is None:
                self._picks.pop(c.key, None)
            else:
                self._picks[c.key] = p
        self.events.changed.emit({c.key[0] for c in changes})

    # -- undo / redo ----------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        return self._history.can_redo

    def undo(self) -> PickEdit | None:
        return self._history.undo(self._mark, self._replay)

    def redo(self) -> PickEdit | None:
        return self._history.redo(self._mark, self._replay)

    def _mark(self, eid: int, state: str) -> None:
        if self.journal is not None:
            self.journal.mark_picks(eid, state)

    def _replay(self, e: PickEdit, forward: bool) -> None:
        self._write(e.changes, new=forward)
        self.events.history.emit()

    def rebuild(self, edits, states: dict[int, str]) -> None:
        """Replace all picks by the replay of journal ``edits`` (project open)."""
        self._picks.clear()
        for e in self._history.rebuild(edits, states):
            for c in e.changes:
                if c.new is None:
                    self._picks.pop(c.key, None)
                else:
                    self._picks[c.key] = c.new
        self._next_id = max((e.id for e in edits), default=0) + 1
        self.events.changed.emit(set(self.gathers()))
        self.events.history.emit()


def _key(key) -> TraceKey:
    g, c = key
    return (int(g), int(c))


def _time(t, key) -> float:
    t = float(t)
    if not math.isfinite(t) or t < 0:
        raise SeisviewError(f"pick time {t} ms for gather {key[0]} channel {key[1]} is not a time",
                            hint="times are milliseconds >= 0")
    return t


def _conf(c, key) -> float | None:
    if c is None or (isinstance(c, float) and math.isnan(c)):
        return None
    c = float(c)
    if not 0.0 <= c <= 1.0:
        raise SeisviewError(f"pick confidence {c} for gather {key[0]} channel {key[1]} is outside 0..1")
    return c
