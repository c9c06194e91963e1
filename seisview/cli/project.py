"""``seisview project|labels|picks ...``: the project file and label/pick import/export, headless.

Each command prints a one-line summary; bad input raises ``SeisviewError``
(one line on stderr, exit 2). The ``picks`` group is stored in
``groups["picks"]`` so the first-break module can add ``picks predict``.
"""

from __future__ import annotations

import contextlib

KEY_NAMES = {9: "ffid", 21: "cdp", 17: "ep", 5: "tracr"}


def register(subparsers, groups) -> None:
    p = subparsers.add_parser("project", help="create or describe a .seisview project file")
    sub = p.add_subparsers(dest="project_command", metavar="ACTION")
    groups["project"] = sub
    new = sub.add_parser("new", help="make a project for a survey")
    new.add_argument("project", help="new .seisview file (never overwritten)")
    new.add_argument("--survey", required=True, help="SEG-Y file of the survey")
    new.add_argument("--iline", type=int, help="inline header byte (post-stack)")
    new.add_argument("--xline", type=int, help="crossline header byte (post-stack)")
    new.add_argument("--gather-key", type=int, help="gather key header byte (pre-stack, default 9 = FFID)")
    new.add_argument("--palette", default="survey", choices=("survey", "malenov", "salt"),
                     help="starting classes: the survey's own (a <survey>.classes.json beside it, "
                     "e.g. the demo survey; the 9 MalenoV F3 facies when it has none), "
                     "the MalenoV ones, or salt/other (default: survey)")
    new.set_defaults(func=cmd_new)
    info = sub.add_parser("info", help="survey, classes, labels, picks and model runs of a project")
    info.add_argument("project")
    info.set_defaults(func=cmd_info)
    rel = sub.add_parser("relink", help="point a project at its survey file after the file moved")
    rel.add_argument("project")
    rel.add_argument("--survey", required=True, help="the survey's SEG-Y file in its new place")
    rel.set_defaults(func=cmd_relink)

    p = subparsers.add_parser("labels", help="import or export facies labels")
    sub = p.add_subparsers(dest="labels_command", metavar="ACTION")
    groups["labels"] = sub
    imp = sub.add_parser("import", help="add labels from point files or label images (one undo step)")
    imp.add_argument("project")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--format", required=True, choices=("malenov", "opendtect", "image"))
    imp.add_argument("--class", dest="classes", nargs="+", action="extend", metavar="NAME",
                     help="class of each file, in order: --class a b or --class a --class b "
                          "(default: from the file name)")
    imp.add_argument("--section", help="section of an image: inline:N, crossline:N (line numbers), time:MS or depth:M")
    imp.add_argument("--on", default="inline", choices=("inline", "crossline"),
                     help="which sections point files are painted on (default inline)")
    imp.add_argument("--z-unit", default="ms", choices=("ms", "s", "m"),
                     help="unit of the z column of point files (default ms; m for depth surveys)")
    imp.add_argument("--colors", nargs="+", action="extend", metavar="R,G,B=CLASS",
                     help="image colour -> class (default: the palette colours)")
    imp.add_argument("--resize", action="store_true",
                     help="stretch label images of another size onto the section (nearest neighbour); "
                     "without it an image must have the section's size")
    imp.set_defaults(func=cmd_labels_import)
    exp = sub.add_parser("export", help="write the labels as points, a SEG-Y label cube or numpy")
    exp.add_argument("project")
    exp.add_argument("out", help="folder (malenov, opendtect) or file (segy, npy)")
    exp.add_argument("--format", required=True, choices=("malenov", "opendtect", "segy", "npy"))
    exp.set_defaults(func=cmd_labels_export)

    p = subparsers.add_parser("picks", help="first-break picks: import, export")
    sub = p.add_subparsers(dest="picks_command", metavar="ACTION")
    groups["picks"] = sub
    for name, helptext, func in (("import", "add picks from a file (one undo step)", cmd_picks_import),
                                 ("export", "write the picks to a file", cmd_picks_export)):
        q = sub.add_parser(name, help=helptext)
        q.add_argument("project")
        q.add_argument("file", metavar="FILE" if name == "import" else "OUT")
        q.add_argument("--format", choices=("csv", "json", "segy-header", "sgt"),
                       help="default: from the file suffix (.sgy/.segy -> segy-header, .json, "
                       ".sgt = pyGIMLi/refrapy, else csv)")
        q.add_argument("--byte", type=int, default=233,
                       help="trace-header byte of the int32 pick in microseconds (default 233)")
        q.set_defaults(func=func)


def _open(path):
    from seisview.io.project import Project

    return Project.open(path)


def cmd_new(args) -> int:
    from seisview.core.palette import Palette
    from seisview.io.project import Project

    gather_key = args.gather_key
    palette = None if args.palette == "survey" else Palette.default(args.palette)
    with Project.create(args.project, args.survey, iline=args.iline, xline=args.xline,
                        gather_key=gather_key, palette=palette) as pr:
        s = pr.survey
        g = s.geometry
        what = g.extent_text() if g is not None else f"{s.kind} gathers"
        names = ", ".join(c.name for c in pr.palette)
        print(f"created {pr.path} for {s.path} ({what}); {len(pr.palette)} classes: {names}")
    return 0


def cmd_info(args) -> int:
    with _open(args.project) as pr:
        s = pr.survey
        print(f"project {pr.path} (schema {pr.schema_version}); survey {s.path or '-'} [{s.kind}]")
        for w in pr.warnings:
            print(f"  warning: {w}")
        counts = pr.labels.class_counts() if s.geometry is not None else {}
        print("classes: " + ", ".join(f"{c.id}:{c.name}={counts.get(c.id, 0)}" for c in pr.palette))
        secs = pr.labels.labelled_sections() if s.geometry is not None else []
        print(f"labelled sections: {len(secs)} " + ", ".join(
            f"{s.geometry.describe(sp)} ({n} px)" for sp, n in secs[:20]))
        print(f"picks: {len(pr.picks)} on {len(pr.picks.gathers())} gathers; "
              f"model runs: {len(pr.runs())}")
    return 0


def cmd_relink(args) -> int:
    with _open(args.project) as pr:
        old = pr.survey.path
        ref = pr.relink_survey(args.survey)
        print(f"{pr.path.name}: survey {old} -> {ref.path}")
    return 0


def cmd_labels_import(args) -> int:
    from seisview.core.errors import SeisviewError
    from seisview.io import label_formats as lf

    with _open(args.project) as pr:
        if pr.geometry is None:
            raise SeisviewError("this project's survey has no post-stack geometry; labels need one",
                                hint="make the project on a 3-D post-stack SEG-Y")
        if args.format == "image":
            s = lf.import_images(pr.labels, pr.palette, args.files, section=args.section,
                                 colors=args.colors, resize=args.resize)
            print(f"imported {s['labelled_pixels']} labelled pixels from {s['images']} image(s) "
                  f"on {s['sections']} section(s) into {pr.path.name}")
        else:
            s = lf.import_point_files(pr.labels, pr.palette, args.files, class_names=args.classes,
                                      on=args.on, z_unit=args.z_unit)
            print(f"imported {s['points']} points of {s['classes']} class(es) on {s['sections']} "
                  f"section(s) into {pr.path.name} ({s['changed_pixels']} pixels changed)")
            if s.get("negated_z"):
                print(f"note: z read as positive down in {', '.join(s['negated_z'])} (all negative: Petrel style)")
    return 0


@contextlib.contextmanager
def writing_output(out, pr=None):
    """Turn a failed write (no such folder, no space, no permission) into one clear line,
    and never write an export over the project file or its survey."""
    from seisview.core.errors import SeisviewError

    if pr is not None:
        pr.check_output(out)
    try:
        yield
    except OSError as exc:
        raise SeisviewError(f"cannot write {out}: {exc.strerror or exc}",
                            hint="check the folder exists, is writable and has free space") from None


def cmd_labels_export(args) -> int:
    from seisview.core.errors import SeisviewError
    from seisview.io import label_formats as lf

    with _open(args.project) as pr:
        if pr.geometry is None or not pr.labels.labelled_sections():
            raise SeisviewError(f"{pr.path.name} has no labels to export",
                                hint="paint or `seisview labels import` first")
        n_secs = len(pr.labels.labelled_sections())
        n_px = sum(pr.labels.class_counts().values())
        if args.format in lf.POINT_FORMATS:
            with writing_output(args.out, pr):
                files = lf.export_points(pr.labels, pr.palette, args.out, args.format)
            print(f"exported {n_px} labelled points of {len(files)} class(es) on {n_secs} section(s) "
                  f"to {args.out}")
        else:
            with writing_output(args.out, pr):
                out = lf.export_segy(pr.labels, args.out) if args.format == "segy" else \
                    lf.export_npy(pr.labels, args.out)
            print(f"exported a {args.format} label cube {pr.geometry.shape} with {n_px} labelled "
                  f"samples from {n_secs} section(s) to {out}")
    return 0


def _survey_file(pr):
    """The project's survey SEG-Y (trace headers are needed for this format)."""
    from pathlib import Path

    from seisview.core.errors import SeisviewError

    if not pr.survey.path or not Path(pr.survey.path).is_file():
        raise SeisviewError(f"the survey file of {pr.path.name} is not available "
                            f"({pr.survey.path or 'none'})", hint="this format needs its trace headers")
    return pr.survey.path


def _bytes(pr):
    key_byte = pr.survey.gather_key or 9
    return key_byte, KEY_NAMES.get(key_byte, "key")


def cmd_picks_import(args) -> int:
    from pathlib import Path

    from seisview.io import pick_formats as pf

    fmt = args.format or pf.guess_format(args.file)
    with _open(args.project) as pr:
        key_byte, _ = _bytes(pr)
        if fmt == "csv":
            picks = pf.read_csv(args.file)
        elif fmt == "json":
            picks = pf.read_json(args.file)
        elif fmt == "sgt":
            from seisview.io.pick_sgt import sgt_picks

            picks = sgt_picks(args.file, _survey_file(pr), key_byte)
        else:
            picks = pf.read_segy_header(args.file, args.byte, key_byte)
        survey = Path(pr.survey.path) if pr.survey.path else None
        if survey is not None and survey.is_file() and pr.survey.geometry is None:
            keys, chans, ns, dt, t0 = pf.survey_traces(survey, key_byte)
            pf.check_against_survey(picks, keys, chans, ns, dt, t0, source=Path(args.file).name)
        elif pr.survey.geometry is None:
            print(f"warning: survey {pr.survey.path or '(none)'} not found: the picks were not checked "
                  "against its traces")
        pr.picks.set_many(picks, tool="import")
        n_g = len({k[0] for k in picks})
        print(f"imported {len(picks)} picks on {n_g} gather(s) from {Path(args.file).name} "
              f"into {pr.path.name}")
    return 0


def cmd_picks_export(args) -> int:
    from seisview.core.errors import SeisviewError
    from seisview.io import pick_formats as pf

    fmt = args.format or pf.guess_format(args.file)
    with _open(args.project) as pr:
        picks = pr.picks.snapshot()
        if not picks:
            raise SeisviewError(f"{pr.path.name} has no picks to export",
                                hint="pick on the gather view or `seisview picks import` first")
        key_byte, key_name = _bytes(pr)
        if fmt == "csv":
            with writing_output(args.file, pr):
                pf.write_csv(args.file, picks, key_name)
        elif fmt == "json":
            with writing_output(args.file, pr):
                pf.write_json(args.file, picks, key_name)
        else:
            from seisview.io.pick_sgt import write_sgt

            survey = _survey_file(pr)
            with writing_output(args.file, pr):
                if fmt == "sgt":
                    _, n, missing = write_sgt(args.file, picks, survey, key_byte)
                else:
                    _, n, missing = pf.write_segy_header(survey, args.file, picks, args.byte, key_byte)
            if missing:
                print(f"warning: {missing} picks name traces that are not in {pr.survey.path}")
        print(f"exported {len(picks)} picks on {len(pr.picks.gathers())} gather(s) to {args.file}")
    return 0
