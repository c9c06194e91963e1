"""The project file: one SQLite database (WAL mode) holding an interpreter's work.

What it stores: the survey reference (path, size, checksum, geometry), the class
palette, label strokes and pick edits as an append-only journal, and model runs.
A stroke row is written once; undo and redo append a state event for it, so
nothing is rewritten in place. Every finished stroke or pick edit is one
transaction committed (``synchronous=FULL``) before the call returns, so a crash
loses at most the stroke still in progress. Opening a project replays the
journal into the label masks and picks.

A file that is not a seisview project (another database, a corrupt file) is
refused with a clear message and never written to.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.core.history import ACTIVE, DROPPED, UNDONE
from seisview.core.labels import LabelPart, LabelSet, Stroke
from seisview.core.palette import Palette
from seisview.core.picks import Pick, PickChange, PickEdit, PickSet
from seisview.core.section import SectionSpec
from seisview.io.class_lists import survey_palette
from seisview.io.project_lock import (
    _opened,
    check_sqlite_magic,
    claim_supported,
    connect,
    flock_held,
    open_error,
    take_claim,
    take_flock,
    writable,
    write_error,
)
from seisview.io.project_schema import (
    SCHEMA_V1,
    SCHEMA_VERSION,
    UPGRADES,
    RunRecord,
    SurveyRef,
    file_checksum,
    survey_ref,
    upgrade,
)
from seisview.io.project_survey import SEEN_KEY, survey_check

log = logging.getLogger(__name__)

APP_ID = "seisview"
SUFFIX = ".seisview"


class Project:
    """An open project. Use :meth:`create` or :meth:`open`; close it (or use ``with``)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False):
        self.path = path
        self._conn: sqlite3.Connection | None = conn
        self.read_only = read_only
        self._flock: int | None = None
        self._run_locks: dict[int, int] = {}  # run id -> flock'ed descriptor of its lock file
        self.survey_changed: str | None = None  # why the survey file is not what it was
        self._lock = threading.RLock()
        self.warnings: list[str] = []
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        self.survey = SurveyRef.from_dict(json.loads(meta.get("survey", "{}")))
        self.palette = Palette.from_list(json.loads(meta.get("palette", "[]")))
        self.labels = LabelSet(self.survey.geometry, journal=self)
        self.picks = PickSet(journal=self)
        self._load_journal()
        self.palette.changed.connect(self._save_palette)

    # -- create / open / close -------------------------------------------------------
    @classmethod
    def create(cls, path, survey_path=None, *, iline=None, xline=None, gather_key=None,
               geometry: SurveyGeometry | None = None, palette: Palette | str | None = None) -> Project:
        """Make a new project file for a survey; never overwrites an existing file.

        ``geometry`` lets a project refer to a survey described without its data
        (then ``survey_path`` may be ``None``). ``palette`` ``None`` starts with the
        survey's own classes when it ships a class list (``survey_palette``, e.g. the
        demo survey), else the MalenoV ones, and without classes for pre-stack gathers
        (a first-break project); a name picks a built-in palette.
        """
        path = Path(path).expanduser()
        if path.exists():
            raise SeisviewError(f"{path} exists already", hint="open it, or choose another name")
        if survey_path is not None:
            ref = survey_ref(survey_path, iline=iline, xline=xline, gather_key=gather_key,
                             geometry=geometry)
        elif geometry is not None:
            ref = SurveyRef("", 0, 0.0, "", geometry.kind, iline, xline, gather_key, geometry)
        else:
            raise SeisviewError("a project needs a survey", hint="pass --survey PATH")
        if palette is None and ref.geometry is None:  # pre-stack gathers: first breaks, no facies
            pal = Palette([])
        elif palette is None:
            pal = (survey_palette(survey_path) if survey_path is not None else None) or Palette.default()
        else:
            pal = Palette.default(palette) if isinstance(palette, str) else palette
        from seisview.io.atomic import _tmp_name, clean_dead_temps

        clean_dead_temps(path.parent, folders=False)  # of creates that were killed
        tmp = _tmp_name(path, ".tmp")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            conn.executescript(SCHEMA_V1)
            for v in sorted(UPGRADES):
                conn.executescript(UPGRADES[v])
            meta = {"app": APP_ID, "schema_version": str(SCHEMA_VERSION),
                    "created": str(time.time()), "survey": json.dumps(ref.to_dict()),
                    "palette": json.dumps(pal.to_list())}
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            conn.execute("PRAGMA journal_mode=WAL")
            conn.close()
            os.link(tmp, path)  # fails instead of replacing a file that appeared meanwhile
        except FileExistsError:
            raise SeisviewError(f"{path} exists already", hint="open it, or choose another name") from None
        except (OSError, sqlite3.Error) as exc:
            raise SeisviewError(f"could not create project {path}: {exc}",
                                hint="check the folder exists, is writable and has free space") from None
        finally:
            for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                with contextlib.suppress(OSError):
                    p.unlink()
        return cls.open(path)

    @classmethod
    def open(cls, path) -> Project:
        """Open a project; refuses (without writing) anything that is not one.

        A project in a read-only place opens read-only: everything can be read, and every
        write is refused in one line (:attr:`read_only`).
        """
        path = Path(path).expanduser()
        if not path.is_file():
            raise SeisviewError(f"project {path} not found",
                                hint="create it with `seisview project new`")
        if not os.access(path, os.R_OK):
            raise SeisviewError(f"project {path} cannot be read (permission denied)")
        check_sqlite_magic(path)
        read_only = not writable(path)
        conn = None
        try:
            conn = connect(path, read_only)
            conn.execute("BEGIN")  # one snapshot for the checks and the journal replay
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            meta = dict(conn.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
            if meta.get("app") != APP_ID:
                raise SeisviewError(f"{path} is an SQLite database of another program, not a seisview project",
                                    hint="choose a .seisview file; the file was left untouched")
            version = int(meta.get("schema_version", 0))
            if version > SCHEMA_VERSION:
                raise SeisviewError(f"{path} was written by a newer seisview (schema {version}, "
                                    f"this one reads up to {SCHEMA_VERSION})", hint="update seisview")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
            if version < SCHEMA_VERSION and read_only:
                raise SeisviewError(f"project {path} is read-only and was written by an older "
                                    f"seisview (schema {version})",
                                    hint="copy it to a writable folder and open the copy")
            conn.execute("COMMIT")
            if not read_only:  # only now that it is known to be a seisview project
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                if version < SCHEMA_VERSION:
                    upgrade(conn, version)
            conn.execute("BEGIN")
            try:
                project = cls(path, conn, read_only=read_only)
            except SeisviewError as exc:  # a palette, survey or stroke record that makes no sense
                raise ValueError(exc.problem) from None
            conn.execute("COMMIT")
        except SeisviewError:
            if conn is not None:
                conn.close()
            raise
        except (sqlite3.Error, ValueError, KeyError, TypeError, IndexError, OverflowError, RecursionError,
                zlib.error) as exc:
            if conn is not None:
                conn.close()
            raise open_error(path, exc) from None
        _opened(path, +1)
        if read_only:
            project._warn(f"{path.name} is read-only here: it can be read, exported and predicted "
                          "from, but changes are not saved (copy it to a writable folder to edit)")
        project._check_survey()
        project._claim()
        return project

    def _claim(self) -> None:
        """Note (as a warning) when another process has this project open: its edits are saved
        too, but each process shows only its own until the project is reopened.

        The claim is an exclusive ``flock`` on a lock file beside the project, never on the
        database file: closing any descriptor of the database would drop SQLite's own locks.
        """
        if self.read_only:
            return
        self._flock = take_claim(self.path)
        if self._flock is None and claim_supported():
            self._warn(f"{self.path.name} is open in another seisview window or command; its "
                       "edits are saved too; reopen this project to see them")
        try:
            self._settle_interrupted_runs()
        except SeisviewError as exc:
            self._warn(str(exc))

    def close(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            if not self.read_only:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._conn.close()
            self._conn = None
            _opened(self.path, -1)
        if self._flock is not None:
            os.close(self._flock)  # the lock file's descriptor, not the database's
            self._flock = None
        for fd in self._run_locks.values():  # runs not ended by now are interrupted
            os.close(fd)
        self._run_locks.clear()
        with contextlib.suppress(Exception):
            self.palette.changed.disconnect(self._save_palette)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise SeisviewError(f"project {self.path} is closed", hint="open it again")
        return self._conn

    @property
    def geometry(self) -> SurveyGeometry | None:
        return self.survey.geometry

    @property
    def schema_version(self) -> int:
        return int(self._meta("schema_version") or 0)

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _check_survey(self) -> None:
        s = self.survey
        if not s.path:
            return
        p = Path(s.path)
        if not p.is_file():
            from seisview.io.project_survey import find_moved_survey

            moved = find_moved_survey(self.path, s)
            if moved is None:
                self._warn(f"survey {s.path} is missing; labels and picks are kept; point the project at "
                           f"the file with `seisview project relink {self.path} --survey PATH`")
                return
            try:
                self._store_survey(replace(s, path=str(moved)))
            except SeisviewError:  # cannot write (full disk): use it for this session only
                self.survey = replace(s, path=str(moved))
            self._warn(f"survey {s.path} is missing; found the same file (size and checksum) at {moved} "
                       "and use it from now on")
            return
        try:
            seen = json.loads(self._meta(SEEN_KEY) or "null")
        except (ValueError, sqlite3.Error):
            seen = None  # read the file in full again
        try:
            same, remember = survey_check(s, seen)
        except OSError as exc:  # unreadable (permissions, I/O error): say so, do not guess
            self._warn(f"survey {s.path} cannot be read to check it ({exc.strerror or exc})")
            return
        if same:
            if remember is not None:
                self._remember_survey(remember)
            return
        from seisview.io.project_survey import geometry_change

        how = geometry_change(s)
        self.survey_changed = (f"survey {s.path} changed since the project was made (size or checksum "
                               "differ)" + (f"; {how}" if how else "; its layout is the same"))
        self._warn(self.survey_changed + (": relink the right file with `seisview project relink`"
                                          if how else ": check it is the same survey"))

    def _remember_survey(self, seen: dict) -> None:
        """Note the survey's stat (and its whole-file checksum) so the next open reads it
        in full only if it changed; best effort (a read-only project checks every time)."""
        if seen["checksum"] != self.survey.checksum:
            self.survey = replace(self.survey, checksum=seen["checksum"])
        if self.read_only:
            return
        try:
            with self._tx("the survey check") as c:
                c.execute("INSERT OR REPLACE INTO meta VALUES ('survey', ?)",
                          (json.dumps(self.survey.to_dict()),))
                c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (SEEN_KEY, json.dumps(seen)))
        except SeisviewError as exc:
            log.info("survey check not remembered: %s", exc)

    def require_survey_unchanged(self, action: str) -> None:
        """Refuse ``action`` (which reads the survey's samples for this project's labels or
        runs) when the survey file changed since the project was made."""
        if self.survey_changed:
            raise SeisviewError(f"will not {action}: {self.survey_changed}",
                                hint="put the original file back, or accept this one with "
                                f"`seisview project relink {self.path} --survey {self.survey.path}`")

    def relink_survey(self, path) -> SurveyRef:
        """Point the project at its survey file in a new place (checked to be the same survey)."""
        from seisview.io.project_survey import relinked_ref

        self._store_survey(relinked_ref(self.survey, path))
        return self.survey

    def _store_survey(self, ref: SurveyRef) -> None:
        with self._tx("the survey location") as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES ('survey', ?)", (json.dumps(ref.to_dict()),))
        self.survey = ref

    def _warn(self, msg: str) -> None:
        self.warnings.append(msg)
        log.warning(msg)

    # -- transactions -------------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self, what: str):
        """One write transaction: ``BEGIN IMMEDIATE`` takes SQLite's write lock (waiting up to
        the busy timeout while another process writes), so concurrent writers queue up and
        every commit that returns is in the journal."""
        with self._lock:
            conn = self._db
            if self.read_only:
                raise SeisviewError(f"project {self.path.name} is read-only: {what} was not saved",
                                    hint="copy the project to a writable folder and open the copy")
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise write_error(self.path, what, exc) from None

    # -- label journal (called by LabelSet) ------------------------------------------------
    def commit_stroke(self, tool, class_id, parts, dropped) -> int:
        now = time.time()
        with self._tx("the label stroke") as c:
            sid = c.execute("INSERT INTO strokes(tool, class_id, n_pixels, created) VALUES (?,?,?,?)",
                            (tool, int(class_id), int(sum(len(p.idx) for p in parts)), now)).lastrowid
            c.executemany("INSERT INTO stroke_parts VALUES (?,?,?,?,?,?)",
                          [(sid, p.spec.key(), len(p.idx), *_pack_part(p)) for p in parts])
            c.executemany("INSERT INTO stroke_events(stroke_id, state, created) VALUES (?,?,?)",
                          [(d, DROPPED, now) for d in dropped])
        return int(sid)

    def mark_stroke(self, stroke_id: int, state: str) -> None:
        with self._tx("the undo/redo") as c:
            c.execute("INSERT INTO stroke_events(stroke_id, state, created) VALUES (?,?,?)",
                      (int(stroke_id), state, time.time()))

    def commit_picks(self, tool, changes, dropped) -> int:
        now = time.time()
        with self._tx("the picks") as c:
            eid = c.execute("INSERT INTO pick_edits(tool, n, created) VALUES (?,?,?)",
                            (tool, len(changes), now)).lastrowid
            c.executemany("INSERT INTO pick_changes VALUES (?,?,?,?,?,?,?)",
                          [(eid, ch.key[0], ch.key[1], *_pick_cols(ch.old), *_pick_cols(ch.new))
                           for ch in changes])
            c.executemany("INSERT INTO pick_events(edit_id, state, created) VALUES (?,?,?)",
                          [(d, DROPPED, now) for d in dropped])
        return int(eid)

    def mark_picks(self, edit_id: int, state: str) -> None:
        with self._tx("the pick undo/redo") as c:
            c.execute("INSERT INTO pick_events(edit_id, state, created) VALUES (?,?,?)",
                      (int(edit_id), state, time.time()))

    def _load_journal(self) -> None:
        c = self._db
        parts: dict[int, list[LabelPart]] = {}
        for sid, key, n, idx, old, new in c.execute(
                "SELECT stroke_id, section, n, idx, old, new FROM stroke_parts ORDER BY rowid"):
            parts.setdefault(sid, []).append(LabelPart(
                SectionSpec.from_key(key), np.cumsum(_unpack(idx, np.uint32, n), dtype=np.int64),
                _unpack(old, np.uint8, n), _unpack(new, np.uint8, n)))
        strokes = [Stroke(sid, tool, cls_id, tuple(parts.get(sid, ())))
                   for sid, tool, cls_id in c.execute("SELECT id, tool, class_id FROM strokes")]
        states = dict(c.execute("SELECT stroke_id, state FROM stroke_events ORDER BY id"))
        if strokes and self.survey.geometry is None:
            raise SeisviewError(f"{self.path} has label strokes but no survey geometry")
        self.labels.rebuild(strokes, states)
        changes: dict[int, list[PickChange]] = {}
        for eid, g, ch, ot, oc, nt, nc in c.execute("SELECT * FROM pick_changes ORDER BY rowid"):
            changes.setdefault(eid, []).append(
                PickChange((g, ch), _mk_pick(ot, oc), _mk_pick(nt, nc)))
        edits = [PickEdit(eid, tool, tuple(changes.get(eid, ())))
                 for eid, tool in c.execute("SELECT id, tool FROM pick_edits")]
        self.picks.rebuild(edits, dict(c.execute("SELECT edit_id, state FROM pick_events ORDER BY id")))

    def journal_counts(self) -> dict[str, int]:
        """Rows of the journal: strokes, pick edits, and undo/redo events (``ops`` = user actions)."""
        with self._lock:
            c = self._db
            d = {"strokes": c.execute("SELECT count(*) FROM strokes").fetchone()[0],
                 "pick_edits": c.execute("SELECT count(*) FROM pick_edits").fetchone()[0],
                 "stroke_events": c.execute("SELECT count(*) FROM stroke_events WHERE state!=?",
                                            (DROPPED,)).fetchone()[0],
                 "pick_events": c.execute("SELECT count(*) FROM pick_events WHERE state!=?",
                                          (DROPPED,)).fetchone()[0]}
        d["ops"] = sum(d.values())
        return d

    def _save_palette(self) -> None:
        try:
            with self._tx("the palette") as c:
                c.execute("INSERT OR REPLACE INTO meta VALUES ('palette', ?)",
                          (json.dumps(self.palette.to_list()),))
        except SeisviewError as exc:  # a signal handler must not raise into the GUI
            self._warn(str(exc))

    # -- outputs ------------------------------------------------------------------------------
    def backup_to(self, dest) -> None:
        """Write a consistent copy of the database to ``dest`` (SQLite's online backup)."""
        with self._lock:
            dst = sqlite3.connect(dest)
            try:
                self._db.backup(dst)
            finally:
                dst.close()

    def check_output(self, out) -> Path:
        """Refuse, before any work, an output path that is this project file or its survey,
        or whose folder is not there; returns the resolved path."""
        target = Path(out).expanduser().resolve()
        if not target.parent.is_dir():
            raise SeisviewError(f"cannot write {out}: folder {target.parent} does not exist",
                                hint="create the folder first, or give another output path")
        own = {self.path.resolve(): "the project file"}
        if self.survey.path:
            own[Path(self.survey.path).resolve()] = "the project's survey"
        if target in own:
            raise SeisviewError(f"will not write over {own[target]} ({out})",
                                hint="give another output path")
        return target

    # -- model runs (training area) ----------------------------------------------------------
    def _settle_interrupted_runs(self) -> None:
        """Runs still "running" whose process no longer holds them (killed, crashed, power cut,
        or closed the project mid-run) become "interrupted", with the last checkpoint their
        trainer wrote (if any) recorded, to predict with or continue from. A run is held by an
        ``flock`` on its lock file for as long as the process that added it has it open."""
        stale = [r for r in self.runs() if r.status == "running" and r.id not in self._run_locks
                 and not flock_held(run_checkpoint(self.path, r.id).with_suffix(".lock"))]
        for run in stale:
            ckpt = run_checkpoint(self.path, run.id).with_suffix(".safetensors")
            self.update_run(run.id, status="interrupted",
                            checkpoint=str(ckpt) if not run.checkpoint and ckpt.is_file() else None)
        if stale:
            self._warn(f"{len(stale)} training run(s) had not ended (seisview was closed or "
                       f"killed while training): marked interrupted "
                       f"({', '.join(str(r.id) for r in stale)})")

    def add_run(self, task: str, model: str, config: dict) -> int:
        now = time.time()
        with self._tx("the model run") as c:
            rid = c.execute("INSERT INTO model_runs(task, model, config, status, metrics, checkpoint,"
                            " created, updated) VALUES (?,?,?,?,?,?,?,?)",
                            (task, model, json.dumps(config), "running", "{}", None, now, now)).lastrowid
        lock = run_checkpoint(self.path, rid).with_suffix(".lock")
        with contextlib.suppress(OSError):
            lock.parent.mkdir(exist_ok=True)
        fd = take_flock(lock)
        if fd is not None:
            self._run_locks[int(rid)] = fd
        return int(rid)

    def update_run(self, run_id: int, *, status: str | None = None, metrics: dict | None = None,
                   checkpoint: str | None = None) -> RunRecord:
        """Set a run's status / checkpoint path; ``metrics`` are merged into the stored ones."""
        with self._tx("the model run") as c:
            run = self.get_run(run_id)
            merged = {**run.metrics, **(metrics or {})}
            c.execute("UPDATE model_runs SET status=?, metrics=?, checkpoint=?, updated=? WHERE id=?",
                      (status or run.status, json.dumps(merged), checkpoint or run.checkpoint,
                       time.time(), int(run_id)))
        if status and status != "running" and int(run_id) in self._run_locks:
            os.close(self._run_locks.pop(int(run_id)))  # ended: no longer held
        return self.get_run(run_id)

    def runs(self, task: str | None = None) -> list[RunRecord]:
        q = "SELECT * FROM model_runs" + (" WHERE task=?" if task else "") + " ORDER BY id"
        with self._lock:
            return [_run(r) for r in self._db.execute(q, (task,) if task else ())]

    def get_run(self, run_id: int) -> RunRecord:
        with self._lock:
            r = self._db.execute("SELECT * FROM model_runs WHERE id=?", (int(run_id),)).fetchone()
        if r is None:
            raise SeisviewError(f"no model run {run_id} in {self.path.name}")
        return _run(r)


def run_checkpoint(project_path, run_id: int) -> Path:
    """Where run ``run_id`` of a project keeps its checkpoint (``.safetensors`` + ``.json``
    are added): ``<project>.runs/run-<id>``."""
    p = Path(project_path)
    return p.with_name(p.name + ".runs") / f"run-{int(run_id)}"


def _pack_part(p: LabelPart) -> tuple[bytes, bytes, bytes]:
    """Pixels sorted by index and stored as index steps: runs of 1s compress to almost nothing."""
    order = np.argsort(p.idx, kind="stable")  # stable: a repeated pixel keeps its last value last
    idx = p.idx[order]
    steps = np.diff(idx, prepend=0)
    return _pack(steps, np.uint32), _pack(p.old[order], np.uint8), _pack(p.new[order], np.uint8)


def _pack(a: np.ndarray, dtype) -> bytes:
    return zlib.compress(np.ascontiguousarray(a, dtype=dtype).tobytes(), 1)


def _unpack(b: bytes, dtype, n: int) -> np.ndarray:
    a = np.frombuffer(zlib.decompress(b), dtype=dtype)
    if len(a) != n:
        raise ValueError(f"journal record holds {len(a)} values, expected {n}")
    return a


def _pick_cols(p: Pick | None) -> tuple:
    return (None, None) if p is None else (p.time_ms, p.confidence)


def _mk_pick(t, c) -> Pick | None:
    return None if t is None else Pick(float(t), None if c is None else float(c))


def _run(r) -> RunRecord:
    rid, task, model, config, status, metrics, ckpt, created, updated = r
    return RunRecord(rid, task, model, json.loads(config), status, json.loads(metrics), ckpt,
                     created, updated)


__all__ = ["Project", "SurveyRef", "RunRecord", "SCHEMA_VERSION", "SCHEMA_V1", "file_checksum",
           "survey_ref", "ACTIVE", "UNDONE"]
