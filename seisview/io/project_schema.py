"""The project file's schema and references: tables, upgrades, survey reference, model-run records."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
_CHECK_BYTES = 4 << 20
_BLOCK, _N_BLOCKS = 64 << 10, 64
_CRC_BLOCK = 1 << 20

# Version 1 had no model runs; the upgrade adds them. Kept to test upgrades.
SCHEMA_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE strokes(id INTEGER PRIMARY KEY, tool TEXT NOT NULL, class_id INTEGER NOT NULL,
                     n_pixels INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE stroke_parts(stroke_id INTEGER NOT NULL REFERENCES strokes(id), section TEXT NOT NULL,
                          n INTEGER NOT NULL, idx BLOB NOT NULL, old BLOB NOT NULL, new BLOB NOT NULL);
CREATE TABLE stroke_events(id INTEGER PRIMARY KEY, stroke_id INTEGER NOT NULL REFERENCES strokes(id),
                           state TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE pick_edits(id INTEGER PRIMARY KEY, tool TEXT NOT NULL, n INTEGER NOT NULL,
                        created REAL NOT NULL);
CREATE TABLE pick_changes(edit_id INTEGER NOT NULL REFERENCES pick_edits(id), gather INTEGER NOT NULL,
                          channel INTEGER NOT NULL, old_t REAL, old_c REAL, new_t REAL, new_c REAL);
CREATE TABLE pick_events(id INTEGER PRIMARY KEY, edit_id INTEGER NOT NULL REFERENCES pick_edits(id),
                         state TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX stroke_parts_by_stroke ON stroke_parts(stroke_id);
CREATE INDEX pick_changes_by_edit ON pick_changes(edit_id);
"""
UPGRADES = {
    1: """
CREATE TABLE model_runs(id INTEGER PRIMARY KEY, task TEXT NOT NULL, model TEXT NOT NULL,
                        config TEXT NOT NULL, status TEXT NOT NULL, metrics TEXT NOT NULL,
                        checkpoint TEXT, created REAL NOT NULL, updated REAL NOT NULL);
""",
}


@dataclass(frozen=True)
class SurveyRef:
    """Which survey a project belongs to, as it was when the project was made."""

    path: str
    size: int
    mtime: float
    checksum: str  # see file_checksum: size and a CRC-32 of every 1 MiB block
    kind: str = "poststack3d"
    iline: int | None = None
    xline: int | None = None
    gather_key: int | None = None
    geometry: SurveyGeometry | None = None

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("path", "size", "mtime", "checksum", "kind",
                                           "iline", "xline", "gather_key")}
        d["geometry"] = self.geometry.to_dict() if self.geometry is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> SurveyRef:
        g = d.get("geometry")
        return cls(d.get("path", ""), int(d.get("size", 0)), float(d.get("mtime", 0)),
                   d.get("checksum", ""), d.get("kind", "poststack3d"), d.get("iline"),
                   d.get("xline"), d.get("gather_key"),
                   SurveyGeometry.from_dict(g) if g else None)


@dataclass(frozen=True)
class RunRecord:
    id: int
    task: str
    model: str
    config: dict
    status: str
    metrics: dict = field(default_factory=dict)
    checkpoint: str | None = None
    created: float = 0.0
    updated: float = 0.0


def file_checksum(path: str | Path, version: int = 3) -> str:
    """A checksum of a survey file; the current one (version 3) covers every byte.

    Version 3: sha256 of the size and the CRC-32 of every 1 MiB block (CRC-32 runs at about
    1 GB/s here, so a 1 GB survey costs about one read of the file; it is only computed when
    the file's size, mtime or ctime changed, see ``project_survey.survey_check``). Versions
    1 and 2 (the first/last 4 MiB and 64 sampled blocks: blind to an edit between the
    samples) are still read, and replaced by version 3 once the file is found unchanged.
    """
    p = Path(path)
    size = p.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(p, "rb") as f:
        if version >= 3:
            crcs = [zlib.crc32(b) for b in iter(lambda: f.read(_CRC_BLOCK), b"")]
            h.update(np.asarray(crcs, dtype="<u4").tobytes())
            return f"v3:{h.hexdigest()}"
        h.update(f.read(_CHECK_BYTES))
        if version >= 2 and size > 2 * _CHECK_BYTES:
            for start in np.linspace(_CHECK_BYTES, size - _CHECK_BYTES - _BLOCK, _N_BLOCKS):
                f.seek(int(start))
                h.update(f.read(_BLOCK))
        if size > _CHECK_BYTES:
            f.seek(max(size - _CHECK_BYTES, _CHECK_BYTES))
            h.update(f.read())
    return h.hexdigest() if version == 1 else f"v{version}:{h.hexdigest()}"


def checksum_version(stored: str) -> int:
    return int(stored[1:stored.index(":")]) if stored.startswith("v") and ":" in stored else 1


def same_checksum(path: str | Path, stored: str) -> bool:
    """Whether ``path`` still has the checksum ``stored`` (of whichever version it was written)."""
    return file_checksum(path, checksum_version(stored)) == stored


def survey_ref(path, *, iline=None, xline=None, gather_key=None,
               geometry: SurveyGeometry | None = None) -> SurveyRef:
    """Describe a survey file (scans it unless ``geometry`` is given)."""
    p = Path(path).expanduser().resolve()
    if not p.is_file():
        raise SeisviewError(f"survey {path} not found", hint="give the path of a SEG-Y file")
    kind = geometry.kind if geometry is not None else "poststack3d"
    if geometry is None:
        from seisview.io.segy import scan  # survey I/O area

        report = scan(p, iline=iline, xline=xline, gather_key=gather_key)
        geometry = getattr(report, "geometry", None)
        kind = getattr(report, "kind", None) or (geometry.kind if geometry else "prestack")
        gathers = getattr(report, "gathers", None)
        if gather_key is None and gathers:
            gather_key = gathers.get("byte")
    st = p.stat()
    return SurveyRef(str(p), st.st_size, st.st_mtime, file_checksum(p), kind, iline, xline,
                     gather_key, geometry)


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Bring an older project to the current schema in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:  # another process may have upgraded it while this one waited for the lock
        version = int(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
        for v in range(version, SCHEMA_VERSION):
            for stmt in UPGRADES[v].split(";"):
                if stmt.strip():
                    conn.execute(stmt)
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    log.info("upgraded project schema %d -> %d", version, SCHEMA_VERSION)
