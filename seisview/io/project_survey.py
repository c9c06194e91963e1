"""A project's survey file in a new place: found beside the moved project, or relinked by hand."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.io.project_schema import (
    SurveyRef,
    checksum_version,
    file_checksum,
    same_checksum,
    survey_ref,
)

SEEN_KEY = "survey_seen"  # meta key: the survey file's stat when its checksum last matched


def find_moved_survey(project_path: Path, ref: SurveyRef) -> Path | None:
    """The survey file moved along with the project (same size and checksum), or None.

    Projects are copied with their data (another disk, a colleague's machine), so the
    old path's last 1-3 parts are looked for beside the project and up to two folders above.
    """
    old = Path(ref.path)
    tails = [Path(*old.parts[-k:]) for k in range(1, min(4, len(old.parts)))]
    for root in list(Path(project_path).resolve().parents)[:3]:
        for tail in tails:
            cand = root / tail
            with contextlib.suppress(OSError):
                if cand.is_file() and cand.stat().st_size == ref.size and same_checksum(cand, ref.checksum):
                    return cand
    return None


def _axes(g):
    return None if g is None else (g.il, g.xl, g.n_samples, g.dt, g.t0)


def _what(kind: str, g) -> str:
    return (f"{kind}, inlines {g.il.first}-{g.il.last}, crosslines {g.xl.first}-{g.xl.last}, "
            f"{g.n_samples} samples every {g.dt:g}" if g is not None else kind)


def geometry_change(ref: SurveyRef) -> str:
    """How the changed survey file at ``ref.path`` differs in layout ("" when it does not)."""
    try:
        new = survey_ref(ref.path, iline=ref.iline, xline=ref.xline, gather_key=ref.gather_key)
    except SeisviewError as exc:
        return f"it no longer reads as a survey ({exc.problem})"
    if new.kind == ref.kind and _axes(new.geometry) == _axes(ref.geometry):
        return ""
    return (f"its layout differs ({_what(new.kind, new.geometry)}; the project's: "
            f"{_what(ref.kind, ref.geometry)}), so labels would land on other traces")


def relinked_ref(ref: SurveyRef, path) -> SurveyRef:
    """The reference to ``path`` when it holds the project's survey, else a SeisviewError.

    The file is scanned with the project's byte locations; its kind and geometry (lines,
    samples, sampling) must equal the stored ones, so labels stay on the same traces. The
    content may differ (a re-export with new amplitudes is fine).
    """
    new = survey_ref(path, iline=ref.iline, xline=ref.xline, gather_key=ref.gather_key)
    old_g, new_g = ref.geometry, new.geometry
    if new.kind != ref.kind or _axes(old_g) != _axes(new_g):
        raise SeisviewError(f"{Path(path).name} is not this project's survey ({_what(new.kind, new_g)}; "
                            f"the project's: {_what(ref.kind, old_g)})",
                            hint="give the SEG-Y file the project was made for")
    return replace(new, geometry=old_g if old_g is not None else new_g)


def survey_check(ref: SurveyRef, seen: dict | None) -> tuple[bool, dict | None]:
    """Whether the survey file still holds the bytes the project was made on.

    The whole file is checksummed only when its stat (size, mtime, ctime, inode) differs
    from ``seen``, the stat of the last time it matched: ctime cannot be set back by hand, so
    an edit in place, even one that restores the mtime, is always read in full. Returns
    (unchanged, the ``seen`` record to store or None when nothing new); the record carries
    the version-3 checksum that replaces an older sampled one.
    """
    p = Path(ref.path)
    st = p.stat()
    stat = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    if seen and seen.get("path") == ref.path and seen.get("stat") == stat \
            and seen.get("checksum") == ref.checksum:
        return True, None
    if st.st_size != ref.size or not same_checksum(p, ref.checksum):
        return False, None
    checksum = ref.checksum if checksum_version(ref.checksum) >= 3 else file_checksum(p)
    return True, {"path": ref.path, "stat": stat, "checksum": checksum}
