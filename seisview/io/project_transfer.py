"""Label and pick import/export of a project: one place for the command line and the GUI.

Each function checks its input, does the work and returns a :class:`Transfer`: the one-line
summary and any warnings, worded for the user. Bad input raises ``SeisviewError`` (one line
and a hint) before anything is written; an import is one undo step. ``seisview labels|picks
import|export`` print these lines; File → Import/Export shows them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.io import label_formats as lf
from seisview.io import pick_formats as pf

KEY_NAMES = {9: "ffid", 21: "cdp", 17: "ep", 5: "tracr"}
BUILTIN_LABEL_FORMATS = (*lf.POINT_FORMATS, "image", "segy", "npy")  # handled below


def formats(what: str, direction: str) -> list[str]:
    """The ``what`` ("label" or "pick") formats that can ``direction`` ("import" or "export"),
    built-ins first: the registry's table, which CLI choices and File → Import/Export offer."""
    from seisview.plugins import registry

    return registry.formats(what, direction)


def file_filters(what: str, direction: str) -> dict[str, str]:
    """File-dialog filter -> format name, in the registry's order (``"Pick table (*.csv)"``)."""
    from seisview.plugins import registry

    out = {}
    for name in formats(what, direction):
        c = registry.get_contribution(f"{what}_format", name)
        patterns = " ".join(c.meta.get("patterns", ())) or "*"
        folder = direction == "export" and c.meta.get("folder")
        out[f"{c.description or name}" + (" (a folder)" if folder else f" ({patterns})")] = name
    return out


def _check_format(fmt: str, what: str, direction: str) -> None:
    names = formats(what, direction)
    if fmt not in names:
        raise SeisviewError(f"unknown {what} format {fmt!r}", hint=f"use one of {', '.join(names)}")


def _plugin_format(what: str, fmt: str, method: str):
    from seisview.plugins import registry

    fn = getattr(registry.get(f"{what}_format", fmt), method, None)
    if fn is None:
        raise SeisviewError(f"{what} format {fmt!r} has no {method}", hint="see `seisview plugins list`")
    return fn


@dataclass
class Transfer:
    """What an import or export did: a one-line summary and warnings for the user."""

    summary: str
    warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def writing_output(out, pr=None):
    """Turn a failed write (no such folder, no space, no permission) into one clear line,
    and never write an export over the project file or its survey."""
    if pr is not None:
        pr.check_output(out)
    try:
        yield
    except OSError as exc:
        raise SeisviewError(f"cannot write {out}: {exc.strerror or exc}",
                            hint="check the folder exists, is writable and has free space") from None


def key_byte_and_name(pr) -> tuple[int, str]:
    key_byte = pr.survey.gather_key or 9
    return key_byte, KEY_NAMES.get(key_byte, "key")


def survey_file(pr):
    """The project's survey SEG-Y (trace headers are needed for some formats)."""
    if not pr.survey.path or not Path(pr.survey.path).is_file():
        raise SeisviewError(f"the survey file of {pr.path.name} is not available "
                            f"({pr.survey.path or 'none'})", hint="this format needs its trace headers")
    return pr.survey.path


# -- labels ----------------------------------------------------------------------------------

def import_labels(pr, files, fmt: str, *, classes=None, section: str | None = None,
                  on: str = "inline", z_unit: str = "ms", colors=None, resize: bool = False) -> Transfer:
    """Point files (``malenov``, ``opendtect``) or label images (``image``; of the section's
    size, or stretched onto it with ``resize``) into ``pr``'s labels."""
    _check_format(fmt, "label", "import")
    if pr.geometry is None:
        raise SeisviewError("this project's survey has no post-stack geometry; labels need one",
                            hint="make the project on a 3-D post-stack SEG-Y")
    if fmt not in BUILTIN_LABEL_FORMATS:  # a plugin's: import_labels(labels, palette, files)
        s = _plugin_format("label", fmt, "import_labels")(pr.labels, pr.palette, list(files))
        return Transfer(f"imported {fmt} labels from {len(files)} file(s) into {pr.path.name}"
                        + (f" ({s['changed_pixels']} pixels changed)" if "changed_pixels" in s else ""))
    if fmt == "image":
        s = lf.import_images(pr.labels, pr.palette, files, section=section, colors=colors,
                             resize=resize)
        return Transfer(f"imported {s['labelled_pixels']} labelled pixels from {s['images']} image(s) "
                        f"on {s['sections']} section(s) into {pr.path.name}")
    s = lf.import_point_files(pr.labels, pr.palette, files, class_names=classes, on=on, z_unit=z_unit)
    out = Transfer(f"imported {s['points']} points of {s['classes']} class(es) on {s['sections']} "
                   f"section(s) into {pr.path.name} ({s['changed_pixels']} pixels changed)")
    if s.get("negated_z"):
        out.warnings.append(f"z read as positive down in {', '.join(s['negated_z'])} "
                            "(all negative: Petrel style)")
    return out


def export_labels(pr, out, fmt: str) -> Transfer:
    """Labels as point files (a folder, one file per class), a SEG-Y label cube or numpy."""
    _check_format(fmt, "label", "export")
    if pr.geometry is None or not pr.labels.labelled_sections():
        raise SeisviewError(f"{pr.path.name} has no labels to export",
                            hint="paint or import labels first (File → Import, `seisview labels import`)")
    n_secs = len(pr.labels.labelled_sections())
    n_px = sum(pr.labels.class_counts().values())
    if fmt not in BUILTIN_LABEL_FORMATS:  # a plugin's: export_labels(labels, palette, out)
        with writing_output(out, pr):
            _plugin_format("label", fmt, "export_labels")(pr.labels, pr.palette, out)
        return Transfer(f"exported {n_px} labelled samples from {n_secs} section(s) as {fmt} to {out}")
    if fmt in lf.POINT_FORMATS:
        with writing_output(out, pr):
            files = lf.export_points(pr.labels, pr.palette, out, fmt)
        return Transfer(f"exported {n_px} labelled points of {len(files)} class(es) on {n_secs} "
                        f"section(s) to {out}")
    with writing_output(out, pr):
        path = lf.export_segy(pr.labels, out) if fmt == "segy" else lf.export_npy(pr.labels, out)
    return Transfer(f"exported a {fmt} label cube {pr.geometry.shape} with {n_px} labelled "
                    f"samples from {n_secs} section(s) to {path}")


# -- picks -----------------------------------------------------------------------------------

def read_picks(pr, file, fmt: str | None = None, byte: int = 233) -> dict:
    """Picks of ``file`` keyed by (gather key, channel), checked against the project's survey."""
    fmt = fmt or pf.guess_format(file)
    _check_format(fmt, "pick", "import")
    key_byte, _ = key_byte_and_name(pr)
    if fmt not in pf.PICK_FORMATS:  # a plugin's: import_picks(path) -> {(key, channel): (ms, conf)}
        picks = _plugin_format("pick", fmt, "import_picks")(file)
    elif fmt == "csv":
        picks = pf.read_csv(file)
    elif fmt == "json":
        picks = pf.read_json(file)
    elif fmt == "sgt":
        from seisview.io.pick_sgt import sgt_picks

        picks = sgt_picks(file, survey_file(pr), key_byte)
    else:
        picks = pf.read_segy_header(file, byte, key_byte)
    survey = Path(pr.survey.path) if pr.survey.path else None
    if survey is not None and survey.is_file() and pr.survey.geometry is None:
        keys, chans, ns, dt, t0 = pf.survey_traces(survey, key_byte)
        pf.check_against_survey(picks, keys, chans, ns, dt, t0, source=Path(file).name)
    return picks


def import_picks(pr, file, fmt: str | None = None, byte: int = 233) -> Transfer:
    """First-break picks from a table, JSON, trace headers or a pyGIMLi .sgt file (one undo step)."""
    picks = read_picks(pr, file, fmt, byte)
    warnings = []
    if pr.survey.geometry is None and not (pr.survey.path and Path(pr.survey.path).is_file()):
        warnings.append(f"survey {pr.survey.path or '(none)'} not found: the picks were not "
                        "checked against its traces")
    pr.picks.set_many(picks, tool="import")
    n_g = len({k[0] for k in picks})
    return Transfer(f"imported {len(picks)} picks on {n_g} gather(s) from {Path(file).name} "
                    f"into {pr.path.name}", warnings)


def export_picks(pr, out, fmt: str | None = None, byte: int = 233) -> Transfer:
    """The project's picks as a table, JSON, trace headers of a copy of the survey, or .sgt."""
    fmt = fmt or pf.guess_format(out)
    _check_format(fmt, "pick", "export")
    picks = pr.picks.snapshot()
    if not picks:
        raise SeisviewError(f"{pr.path.name} has no picks to export",
                            hint="pick on the gather view or import picks first (File → Import, `seisview picks import`)")
    key_byte, key_name = key_byte_and_name(pr)
    warnings = []
    if fmt not in pf.PICK_FORMATS:  # a plugin's: export_picks(picks, out)
        with writing_output(out, pr):
            _plugin_format("pick", fmt, "export_picks")(picks, out)
    elif fmt == "csv":
        with writing_output(out, pr):
            pf.write_csv(out, picks, key_name)
    elif fmt == "json":
        with writing_output(out, pr):
            pf.write_json(out, picks, key_name)
    else:
        from seisview.io.pick_sgt import write_sgt

        survey = survey_file(pr)
        with writing_output(out, pr):
            if fmt == "sgt":
                _, _n, missing = write_sgt(out, picks, survey, key_byte)
            else:
                _, _n, missing = pf.write_segy_header(survey, out, picks, byte, key_byte)
        if missing:
            warnings.append(f"{missing} picks name traces that are not in {pr.survey.path}")
    return Transfer(f"exported {len(picks)} picks on {len(pr.picks.gathers())} gather(s) to {out}",
                    warnings)


# -- save as ---------------------------------------------------------------------------------

def save_project_as(pr, dest) -> Path:
    """Copy the open project to ``dest`` (never over an existing file) with its model runs'
    checkpoints; returns the new path. The copy refers to the same survey; open it to go on."""
    import os
    import shutil
    import sqlite3

    from seisview.io.project import SUFFIX, run_checkpoint

    dest = Path(dest).expanduser()
    if dest.suffix != SUFFIX:
        dest = dest.with_name(dest.name + SUFFIX)
    if dest.exists():
        raise SeisviewError(f"{dest} exists already", hint="choose another name")
    if not dest.parent.is_dir():
        raise SeisviewError(f"cannot write {dest}: folder {dest.parent} does not exist",
                            hint="create the folder first, or choose another place")
    old_runs = run_checkpoint(pr.path, 0).parent.resolve()
    new_runs = run_checkpoint(dest, 0).parent
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        pr.backup_to(tmp)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            for rid, ckpt in conn.execute("SELECT id, checkpoint FROM model_runs").fetchall():
                moved = _moved_checkpoint(ckpt, old_runs, new_runs)
                if moved is not None:
                    conn.execute("UPDATE model_runs SET checkpoint=? WHERE id=?", (moved, rid))
            conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            conn.close()
        if old_runs.is_dir() and not new_runs.exists():
            shutil.copytree(old_runs, new_runs)
        os.link(tmp, dest)  # fails instead of replacing a file that appeared meanwhile
    except FileExistsError:
        raise SeisviewError(f"{dest} exists already", hint="choose another name") from None
    except (OSError, sqlite3.Error) as exc:
        raise SeisviewError(f"could not save the project as {dest}: {exc}",
                            hint="check the folder is writable and has free space") from None
    finally:
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            with contextlib.suppress(OSError):
                p.unlink()
    return dest


def _moved_checkpoint(ckpt: str | None, old_runs: Path, new_runs: Path) -> str | None:
    """The checkpoint's path in the copy's runs folder, or None when it lies elsewhere."""
    if not ckpt:
        return None
    p = Path(ckpt)
    p = p if p.is_absolute() else Path.cwd() / p
    try:
        rel = p.resolve().relative_to(old_runs)
    except ValueError:
        return None
    return str((new_runs / rel).resolve())
