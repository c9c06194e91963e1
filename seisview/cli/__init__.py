"""The ``seisview`` console script.

``seisview`` opens the demo survey, ``seisview PATH`` opens a file in the
viewer, and ``seisview COMMAND ...`` runs a headless command. Each command
group lives in its own module with ``register(subparsers, groups)``; plugins
add commands through ``command`` contributions with the same signature.

User errors (:class:`SeisviewError`) print one line on stderr and exit 2;
anything else is logged with its traceback to the log file and reported in
one line (exit 1).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from seisview.core.errors import SeisviewError

# Order matters only where a later module adds sub-commands to an earlier group
# (e.g. ``picks predict`` joins the ``picks`` group made by the project module).
COMMAND_MODULES = (
    "seisview.cli.survey",      # info, convert
    "seisview.cli.project",     # project, labels, picks (import/export)
    "seisview.cli.ml",          # train, predict
    "seisview.cli.suggest",     # suggest
    "seisview.cli.volume",      # attribute (and predict's chunked path)
    "seisview.cli.pretrain_fb", # pretrain, picks predict
    "seisview.cli.introspect",  # introspect stats
    "seisview.cli.well",        # well info
    "seisview.cli.plugins",     # plugins list
)

log = logging.getLogger("seisview")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seisview",
        usage="seisview [PATH] [--iline BYTE] [--xline BYTE] [--gather-key BYTE]\n"
              "       seisview COMMAND ...",
        description="Seismic interpretation with live CNN training. "
        "`seisview` opens the demo survey, `seisview PATH` opens a SEG-Y file, a .zarr cache "
        "or a .seisview project; `seisview COMMAND --help` describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"seisview {_version()}")
    _add_viewer_options(parser.add_argument_group(
        "viewer options (before or after PATH)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, groups)
    _register_plugin_commands(sub, groups)
    return parser


def _register_plugin_commands(sub, groups) -> None:
    from seisview.plugins import registry

    for c in registry.contributions("command"):
        try:
            c.load()(sub, groups)
        except Exception as exc:  # a broken plugin never takes the CLI down
            log.warning("plugin command %s unavailable: %s", c.name, exc)


def _version() -> str:
    from seisview import __version__

    return __version__


def _setup_logging() -> None:
    from seisview.config import log_path

    try:
        handler: logging.Handler = logging.FileHandler(log_path(), encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup_logging()
    try:
        parser = build_parser()
        commands = set(parser._subparsers._group_actions[0].choices) if parser._subparsers else set()
        first = _first_positional(argv)
        wants_top_level = any(a in ("-h", "--help", "--version") for a in argv)
        if (first is None and not wants_top_level) or (first is not None and first not in commands):
            return _open_viewer(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.parse_args([*argv, "--help"])
            return 2
        rc = args.func(args)
        return int(rc or 0)
    except SeisviewError as exc:
        print(f"seisview: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("seisview: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the disk, not seisview: full, read-only, gone
        print(f"seisview: error: {os_error_line(exc)}", file=sys.stderr)
        return 2
    except RecursionError:
        print("seisview: error: the input is nested too deeply to be read; check it is the right file",
              file=sys.stderr)
        return 2
    except Exception as exc:
        from seisview.config import log_path

        log.exception("unhandled error")
        print(f"seisview: internal error: {type(exc).__name__}: {exc} (details in {log_path()})",
              file=sys.stderr)
        return 1


def os_error_line(exc: OSError) -> str:
    """One line for a failed read or write: what happened to which file, and what to try."""
    import errno

    where = f" ({exc.filename})" if exc.filename else ""
    what = exc.strerror or str(exc) or type(exc).__name__
    hint = {errno.ENOSPC: "free some space or write to another disk",
            errno.EDQUOT: "free some space (disk quota exceeded) or write elsewhere",
            errno.EACCES: "check the file's and the folder's permissions",
            errno.EPERM: "check the file's and the folder's permissions",
            errno.EROFS: "write to a writable disk",
            errno.ENOENT: "check the path",
            errno.EIO: "the disk reported an input/output error; check it and copy the data elsewhere"}.get(
        exc.errno, "check the path, the disk and its free space")
    return f"{what}{where}; {hint}"


# the viewer's options: name -> help; each takes one integer (a trace-header byte)
VIEWER_OPTIONS = {
    "--iline": "inline-number byte of the trace header (default 189; post-stack)",
    "--xline": "crossline-number byte of the trace header (default 193; post-stack)",
    "--gather-key": "read the file as pre-stack gathers keyed by this byte (9 = FFID)",
}


def _add_viewer_options(group) -> None:
    for name, help_text in VIEWER_OPTIONS.items():
        group.add_argument(name, type=int, metavar="BYTE", help=help_text)


def _first_positional(argv: list[str]) -> str | None:
    """The first argument that is not an option or a viewer option's value: a command or a PATH."""
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a in VIEWER_OPTIONS:
            skip = True
        elif not a.startswith("-") or a == "-":
            return a
    return None


def _open_viewer(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="seisview", description="open a survey in the viewer; options go before or after PATH")
    p.add_argument("path", nargs="?", metavar="PATH",
                   help="SEG-Y file, .zarr cache or .seisview project (default: the demo survey)")
    _add_viewer_options(p)
    args = p.parse_args(argv)
    from seisview.qt.app import run

    return int(run(args.path, iline=args.iline, xline=args.xline, gather_key=args.gather_key) or 0)

if __name__ == "__main__":
    sys.exit(main())
