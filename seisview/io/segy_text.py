"""The 3200-byte textual header: EBCDIC or ASCII detection, decoding and writing."""

from __future__ import annotations

import re

_WORDY = re.compile(r"[A-Za-z0-9 .,:;=/()\-+_']")


def _score(text: str) -> float:
    """Share of characters that look like header text (letters, digits, punctuation, space)."""
    return len(_WORDY.findall(text)) / max(len(text), 1)


def decode_text(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a textual header; encoding is ``"ascii"`` or ``"ebcdic"``.

    Both decodings are tried; the one that reads more like text wins. EBCDIC
    read as ASCII is full of ``@`` (EBCDIC space) and ASCII read as EBCDIC is
    mostly control characters, so the two never score alike on real headers.
    """
    if not raw.strip(b"\x00 \x40"):
        return "", "empty"
    ebc = raw.decode("cp500", errors="replace")
    asc = raw.decode("latin-1")
    if _score(asc) >= _score(ebc):
        return _clean(asc), "ascii"
    return _clean(ebc), "ebcdic"


def _clean(text: str) -> str:
    text = text.replace("\x00", " ")
    lines = [text[i:i + 80].rstrip() for i in range(0, len(text), 80)]
    return "\n".join(lines).rstrip()


def encode_text(lines: list[str], encoding: str = "ebcdic") -> bytes:
    """40 lines of 80 columns (``C 1 ...`` prefixes added), EBCDIC by default as SEG-Y asks."""
    rows = []
    for i in range(40):
        body = lines[i] if i < len(lines) else ""
        rows.append(f"C{i + 1:2d} {body}"[:80].ljust(80))
    text = "".join(rows)
    if encoding == "ascii":
        return text.encode("ascii", errors="replace")
    return text.encode("cp500", errors="replace")
