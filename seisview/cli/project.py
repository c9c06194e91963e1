"""``seisview project|labels|picks ...``: the project file and label/pick import/export, headless.

Each command prints a one-line summary; bad input raises ``SeisviewError``
(one line on stderr, exit 2). The ``picks`` group is stored in
``groups["picks"]`` so the first-break module can add ``picks predict``.
"""

from __future__ import annotations


def register(subparsers, groups) -> None:
    from seisview.plugins import registry

    formats = registry.formats  # the label and pick formats of the registry, plugins' included
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
                     "e.g. the demo survey; the 9 MalenoV F3 facies when it has none; none for "
                     "pre-stack gathers, a first-break project), "
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
    imp.add_argument("--format", required=True, choices=formats("label", "import"))
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
    exp.add_argument("--format", required=True, choices=formats("label", "export"))
    exp.set_defaults(func=cmd_labels_export)

    p = subparsers.add_parser("picks", help="first-break picks: import, export")
    sub = p.add_subparsers(dest="picks_command", metavar="ACTION")
    groups["picks"] = sub
    for name, helptext, func in (("import", "add picks from a file (one undo step)", cmd_picks_import),
                                 ("export", "write the picks to a file", cmd_picks_export)):
        q = sub.add_parser(name, help=helptext)
        q.add_argument("project")
        q.add_argument("file", metavar="FILE" if name == "import" else "OUT")
        q.add_argument("--format", choices=formats("pick", name),
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
        classes = f"{len(pr.palette)} classes: {names}" if len(pr.palette) else \
            "first breaks: no facies classes"
        print(f"created {pr.path} for {s.path} ({what}); {classes}")
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


def _report(t) -> int:
    print(t.summary)
    for w in t.warnings:
        print(f"warning: {w}")
    return 0


def cmd_labels_import(args) -> int:
    from seisview.io.project_transfer import import_labels

    with _open(args.project) as pr:
        return _report(import_labels(pr, args.files, args.format, classes=args.classes,
                                     section=args.section, on=args.on, z_unit=args.z_unit,
                                     colors=args.colors, resize=args.resize))


def writing_output(out, pr=None):
    """See :func:`seisview.io.project_transfer.writing_output` (the CLI's other exports use it)."""
    from seisview.io.project_transfer import writing_output as w

    return w(out, pr)


def cmd_labels_export(args) -> int:
    from seisview.io.project_transfer import export_labels

    with _open(args.project) as pr:
        return _report(export_labels(pr, args.out, args.format))


def cmd_picks_import(args) -> int:
    from seisview.io.project_transfer import import_picks

    with _open(args.project) as pr:
        return _report(import_picks(pr, args.file, args.format, args.byte))


def cmd_picks_export(args) -> int:
    from seisview.io.project_transfer import export_picks

    with _open(args.project) as pr:
        return _report(export_picks(pr, args.file, args.format, args.byte))
