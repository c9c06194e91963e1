"""Reading the text files interpreters hand over: any common encoding, any common separator.

Pick tables and point files come out of Excel, Petrel, OpendTect and scripts on
every platform: UTF-8 with or without a byte-order mark, UTF-16 (Excel's
"Unicode text"), Windows-1252, CRLF or bare CR line ends, and commas,
semicolons (European Excel, where the decimal mark is a comma) or tabs between
columns. These helpers turn all of that into lines and cells, so a reader
never fails on the encoding and never drops a first line that carries a BOM.
"""

from __future__ import annotations

import codecs

from seisview.io.inputs import MAX_LINE, check_lines, read_bounded

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
SEPARATORS = (",", ";", "\t")


def read_text(path, what: str = "text file", max_line: int | None = MAX_LINE) -> str:
    """The file's text: BOM-marked Unicode, else UTF-8, else Windows-1252 (never fails on bytes).

    Only regular files within the size limit for ``what`` are read, and no line may be longer
    than ``max_line`` characters (None: no line limit, for JSON, which may be one line).
    """
    text = _decode(read_bounded(path, what))
    return text if max_line is None else check_lines(text, path, what, max_line)


def _decode(raw: bytes) -> str:
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                break
    if b"\x00" in raw[:4096] and len(raw) % 2 == 0:  # UTF-16 without a BOM: every other byte 0
        even, odd = raw[0:4096:2].count(0), raw[1:4096:2].count(0)
        if max(even, odd) > 0.3 * min(len(raw), 4096) / 2:
            try:
                return raw.decode("utf-16-le" if odd > even else "utf-16-be")
            except UnicodeDecodeError:
                pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def separator(line: str) -> str:
    """The column separator of a header or data line: the one of ``, ; TAB`` it holds most.

    A comma loses to a semicolon on a tie so that ``1;2;3,5`` (decimal comma) splits on ``;``.
    """
    counts = {s: line.count(s) for s in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: (counts[s], s != ","))
    return best if counts[best] else ","


def number(text: str, decimal_comma: bool = False) -> float:
    """A float from a cell; with ``decimal_comma`` ``12,5`` is 12.5 (raises ValueError)."""
    t = text.strip()
    if decimal_comma:
        t = t.replace(",", ".")
    return float(t)
