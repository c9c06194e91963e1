"""Picks written gather by gather, for jobs over files that do not fit in memory.

:class:`PickStream` writes the same files as ``seisview.io.pick_formats`` (CSV,
JSON, a copy of the SEG-Y with the picks in a header word) but takes the picks
one gather at a time, so a job over millions of traces never holds them all. The
file appears under its name only when the stream is closed; a cancelled or failed
job removes its temporary file (``abort``), so no half-written file is left.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.io.atomic import _fsync_dir, _tmp_name, check_replaceable
from seisview.io.mapped import block_rows, release
from seisview.io.pick_formats import guess_format
from seisview.io.segy_format import check_header_byte

STREAM_FORMATS = ("csv", "json", "segy-header")


class PickStream:
    """``add(rows, keys, channels, times_ms, confidences)`` per gather, then ``close()``.

    ``rows`` are the traces' positions in the survey file (needed by ``segy-header``,
    which copies ``source`` and writes each pick in microseconds at ``byte``; traces
    never given a pick keep -1).
    """

    def __init__(self, out, fmt: str | None = None, *, key_name: str = "ffid", source=None,
                 byte: int = 233):
        self.out = Path(out)
        self.fmt = fmt or guess_format(out)
        if self.fmt not in STREAM_FORMATS:
            raise SeisviewError(f"picks cannot be written as {self.fmt!r} by a job over all gathers",
                                hint="name the output .csv, .json or .sgy")
        check_replaceable(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = _tmp_name(self.out, ".tmp")
        self.count = 0
        self._first = True
        self._raw: Any = None  # the SEG-Y copy's memory map (segy-header)
        self._file: Any = None  # the text file (csv, json)
        if self.fmt == "segy-header":
            self._open_segy(source, byte)
        else:
            self._file = open(self.tmp, "w", encoding="utf-8", newline="\n")
            if self.fmt == "csv":
                self._file.write(f"{key_name},channel,time_ms,confidence\n")
            else:
                head = json.dumps({"format": "seisview-picks", "key": key_name, "unit": "ms"})
                self._file.write(head[:-1] + ', "picks": [\n')

    def _open_segy(self, source, byte: int) -> None:
        from seisview.io.segy_layout import check_path, detect

        check_header_byte(byte, "pick")  # a byte past the header would overwrite samples
        if source is None:
            raise SeisviewError("picks into SEG-Y headers need the survey file to copy",
                                hint="write the picks as .csv or .json")
        src = check_path(source)
        if self.out.resolve() == src.resolve():
            raise SeisviewError("will not write picks into the survey file itself",
                                hint="give another output path")
        _, layout = detect(src)  # its endian is the trace headers' byte order
        shutil.copyfile(src, self.tmp)
        self._raw = layout.map_traces(self.tmp, "r+")
        self._word = np.dtype(f"{layout.endian}i4")
        self._byte = byte
        unpicked = np.array([-1], self._word).view(np.uint8)
        n, rows = self._raw.shape[0], block_rows(self._raw)
        for r0 in range(0, n, rows):  # block by block: written pages are unmapped
            self._raw[r0:r0 + rows, byte - 1:byte + 3] = unpicked
            self._flush(r0, min(n, r0 + rows))

    def _flush(self, r0: int, r1: int) -> None:
        self._raw.flush()
        release(self._raw, r0, r1)  # a shared map: the written pages stay in the page cache

    def flush(self) -> None:
        """Push what was added so far to the file (the job calls it after each batch)."""
        if self._raw is not None:
            self._raw.flush()
        elif self._file is not None:
            self._file.flush()

    def add(self, rows, keys, channels, times_ms, confidences) -> None:
        t = np.asarray(times_ms, float)
        c = np.asarray(confidences, float)
        if self._raw is not None:
            rows = np.asarray(rows, np.int64)
            if rows.size:
                us = np.rint(t * 1000.0).astype(self._word)
                self._raw[rows, self._byte - 1:self._byte + 3] = us.view(np.uint8).reshape(-1, 4)
                release(self._raw, int(rows.min()), int(rows.max()) + 1)
        elif self.fmt == "csv":
            self._file.write("".join(f"{int(k)},{int(ch)},{ti:.4f},{ci:.4f}\n"
                                     for k, ch, ti, ci in zip(keys, channels, t, c, strict=True)))
        else:
            items = [f"[{int(k)}, {int(ch)}, {json.dumps(float(ti))}, {json.dumps(float(ci))}]"
                     for k, ch, ti, ci in zip(keys, channels, t, c, strict=True)]
            if items:
                self._file.write(("" if self._first else ",\n") + ",\n".join(items))
                self._first = False
        self.count += len(t)

    def close(self) -> Path:
        """Finish the file and give it its name (atomic: the old file, if any, stays until then)."""
        if self._raw is not None:
            self._raw.flush()
            self._raw = None
            with open(self.tmp, "rb+") as f:
                os.fsync(f.fileno())
        else:
            if self.fmt == "json":
                self._file.write("\n]}\n")
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
        os.replace(self.tmp, self.out)
        _fsync_dir(self.out.parent)
        return self.out

    def abort(self) -> None:
        """Remove the temporary file (a cancelled or failed job leaves nothing behind)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._raw = None
        self.tmp.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()
        return False
