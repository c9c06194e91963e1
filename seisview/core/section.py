"""Which section to show (``SectionSpec``) and what a volume returns for it (``SectionData``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECTION_KINDS = ("inline", "crossline", "time")


@dataclass(frozen=True)
class SectionSpec:
    """A section by array index: ``SectionSpec("inline", il_idx)``.

    ``kind`` is ``"inline"``, ``"crossline"`` or ``"time"`` (a time/depth slice,
    index = sample index).
    """

    kind: str
    index: int

    def __post_init__(self):
        if self.kind not in SECTION_KINDS:
            raise ValueError(f"section kind must be one of {SECTION_KINDS}, not {self.kind!r}")

    def key(self) -> str:
        """Stable storage key, e.g. ``"inline:12"`` (indices: never shown to users, who read
        ``SurveyGeometry.describe`` / ``spec_text``: ``inline 123`` / ``inline:123``)."""
        return f"{self.kind}:{self.index}"

    def volume_point(self, row, col) -> tuple:
        """``(il_idx, xl_idx, sample)`` of pixel ``(row, col)`` of this section (fractional
        pixels stay fractional)."""
        if self.kind == "inline":
            return self.index, col, row
        if self.kind == "crossline":
            return col, self.index, row
        return row, col, self.index

    @classmethod
    def from_key(cls, key: str) -> SectionSpec:
        kind, _, idx = key.partition(":")
        return cls(kind, int(idx))


@dataclass(frozen=True)
class SectionData:
    """A 2-D section with its axes in survey units.

    ``array`` is ``(sample, trace)`` for vertical sections (time down) and
    ``(inline, crossline)`` for time slices. ``rows``/``cols`` hold the survey
    coordinate of each row/column (ms or m, line numbers).
    """

    spec: SectionSpec
    array: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    row_label: str
    col_label: str
    live: np.ndarray | None = None  # bool per column (vertical) or per pixel (slice)
