"""Input files are checked before they are read: regular files only, and sizes within limits.

A FIFO or a terminal blocks ``read()`` forever, ``/dev/zero`` never ends, and a
10 MB text file with one line makes some parsers allocate a gigabyte; so every
reader of user files goes through :func:`check_input` (and text readers through
:func:`read_bounded`) before any parser sees the bytes.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from seisview.core.errors import SeisviewError

MB = 1024**2
# largest accepted file per kind of input: far above real ones (MalenoV point files are
# 0.3 MB, a LAS log 3 MB, a pick table 10 kB), well below what would exhaust memory
LIMITS = {
    "point file": 256 * MB,
    "pick table": 128 * MB,
    "JSON pick file": 128 * MB,
    "SGT pick file": 128 * MB,
    "LAS file": 256 * MB,
    "class list": 4 * MB,
    "label image": 512 * MB,
    "checkpoint": 16 * 1024 * MB,
    "text file": 128 * MB,
}
MAX_LINE = 64 * 1024  # characters: real rows hold a few numbers, LAS rows a few hundred


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n} bytes"


def check_input(path, what: str = "text file", max_bytes: int | None = None) -> Path:
    """``path`` when it is an existing regular file within the size limit for ``what``."""
    p = Path(path)
    try:
        st = os.stat(p)  # follows links: a link to a FIFO is a FIFO
    except FileNotFoundError:
        raise SeisviewError(f"{what} {p} not found", hint="check the path") from None
    except OSError as exc:
        raise SeisviewError(f"cannot read {what} {p}: {exc.strerror or exc}",
                            hint="check the path and the file's permissions") from None
    if stat.S_ISDIR(st.st_mode):
        raise SeisviewError(f"{p} is a folder, not a {what}", hint="give the file inside it")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else \
            "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else \
            "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file"
        raise SeisviewError(f"{p} is {kind}, not a {what}",
                            hint="save the data to a regular file and give that")
    limit = LIMITS.get(what, LIMITS["text file"]) if max_bytes is None else max_bytes
    if st.st_size > limit:
        raise SeisviewError(f"{what} {p.name} is {_size(st.st_size)}, above the {_size(limit)} limit",
                            hint="check it is the right file, or split it into smaller files")
    return p


def read_bounded(path, what: str = "text file", max_bytes: int | None = None) -> bytes:
    """The bytes of a checked input file (never more than its limit, even if it grows)."""
    p = check_input(path, what, max_bytes)
    limit = LIMITS.get(what, LIMITS["text file"]) if max_bytes is None else max_bytes
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except IsADirectoryError:
        raise SeisviewError(f"{p} is a folder, not a {what}", hint="give the file inside it") from None
    except OSError as exc:
        raise SeisviewError(f"cannot read {what} {p}: {exc.strerror or exc}",
                            hint="check the path and the file's permissions") from None
    if len(data) > limit:
        raise SeisviewError(f"{what} {p.name} is above the {_size(limit)} limit",
                            hint="check it is the right file, or split it into smaller files")
    return data


_LONG_LINE = re.compile(rf"[^\r\n]{{{MAX_LINE + 1}}}")


def check_lines(text: str, path, what: str = "text file", max_line: int = MAX_LINE) -> str:
    """``text`` when none of its lines is longer than ``max_line`` characters."""
    pattern = _LONG_LINE if max_line == MAX_LINE else re.compile(rf"[^\r\n]{{{max_line + 1}}}")
    m = pattern.search(text)
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        raise SeisviewError(f"{what} {Path(path).name}: line {line} is longer than {max_line:,} characters",
                            hint="this is not a table of numbers; check it is the right file")
    return text


def check_lines_bytes(data: bytes, path, what: str = "text file", max_line: int = MAX_LINE) -> None:
    """The same limit on raw bytes (for files handed to a parser of their own)."""
    m = re.search(rb"[^\r\n]{%d}" % (max_line + 1), data)
    if m is not None:
        line = data.count(b"\n", 0, m.start()) + 1
        raise SeisviewError(f"{what} {Path(path).name}: line {line} is longer than {max_line:,} characters",
                            hint="this is not a text table; check it is the right file")
