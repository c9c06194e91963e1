"""Default classes of a survey: a class list shipped beside it as ``<stem>.classes.json``."""

from __future__ import annotations

import json
from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.core.palette import Palette

_REWRITE_HINT = ('write {"classes": [{"id": 1, "name": "salt", "color": "#ff0000"}, ...]}, '
                 "or delete it to start with the MalenoV classes")

CLASS_LIST_SUFFIX = ".classes.json"


def class_list_path(survey_path) -> Path:
    """``<survey stem>.classes.json`` beside the survey file (or ``.zarr`` folder)."""
    p = Path(survey_path)
    return p.with_name(p.stem + CLASS_LIST_SUFFIX)


def write_class_list(survey_path, classes) -> Path:
    """Ship ``classes`` (``[(name, "#rrggbb" or (r, g, b))]``, ids 1.. in order) beside a survey."""
    from seisview.io.atomic import atomic_open

    pal = Palette(classes)
    path = class_list_path(survey_path)
    with atomic_open(path, "w", suffix=".tmp") as fh:
        json.dump({"classes": pal.to_list()}, fh, indent=1)
    return path


def survey_palette(survey_path) -> Palette | None:
    """The classes a survey ships in ``<stem>.classes.json``, or None when it ships none."""
    path = class_list_path(survey_path)
    if not path.is_file():
        return None
    try:
        from seisview.core.palette import class_name
        from seisview.io.inputs import read_bounded

        data = json.loads(read_bounded(path, "class list").decode("utf-8"))
        items = data["classes"] if isinstance(data, dict) else data  # or just the list
        pal = (Palette.from_list(items) if items and isinstance(items[0], dict)
               else Palette([(class_name(n), c) for n, c in items]))
    except SeisviewError as exc:
        raise SeisviewError(f"class list {path} is invalid: {exc.problem}",
                            hint=f"{exc.hint + ' in it' if exc.hint else 'fix it'}, or delete it to start "
                            "with the MalenoV classes") from None
    except RecursionError:
        raise SeisviewError(f"class list {path} is nested too deeply to be a class list",
                            hint=_REWRITE_HINT) from None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise SeisviewError(f"class list {path} is unreadable ({type(exc).__name__}: {exc})",
                            hint=_REWRITE_HINT) from None
    if not len(pal):
        raise SeisviewError(f"class list {path} has no classes",
                            hint="add classes, or delete it to start with the MalenoV classes")
    return pal
