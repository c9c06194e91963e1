"""Named label classes with fixed colours.

A class keeps its ``id`` for life: the id is the value painted into label masks
(``0`` = unlabelled, ids ``1..255``). Reordering the palette changes the display
order and which number key (1-9) selects a class, never the ids, so masks are
never rewritten. New classes get the next free id, so a fresh palette has ids in
palette order (the MalenoV defaults are 1..9 in MalenoV order).
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, replace

import numpy as np
from psygnal import Signal

from seisview.core.errors import SeisviewError

RGB = tuple[int, int, int]

#: MalenoV's nine F3 facies, in the order MalenoV numbers them (ids 1..9).
MALENOV_F3 = (
    ("else", (160, 160, 160)),
    ("grizzly", (141, 90, 47)),
    ("high_amp_continuous", (228, 26, 28)),
    ("high_amplitude", (255, 127, 0)),
    ("low_amp_dips", (77, 175, 74)),
    ("low_amplitude", (55, 126, 184)),
    ("low_coherency", (152, 78, 163)),
    ("salt", (255, 237, 0)),
    ("steep_dips", (0, 206, 209)),
)
#: Waldeland et al.'s two classes; the colours are those of their label images.
SALT_OTHER = (("other", (0, 0, 255)), ("salt", (255, 0, 0)))

DEFAULTS = {"malenov": MALENOV_F3, "salt": SALT_OTHER}


@dataclass(frozen=True)
class LabelClass:
    id: int
    name: str
    color: RGB
    visible: bool = True


def class_id(v) -> int:
    """A class id from a file: a whole number 1..255 (``2.0`` is 2; ``1.5``, ``"a"`` are refused)."""
    ok = (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    if not ok or not 1 <= v <= 255:
        raise SeisviewError(f"class id {v!r} is not a whole number 1..255", hint="number the classes 1, 2, 3, ...")
    return int(v)


def class_name(v) -> str:
    """A class name from a file: non-empty text (a null or a number is refused, not made text)."""
    if not isinstance(v, str) or not v.strip():
        raise SeisviewError(f"class name {v!r} is not a name", hint="give every class a name in quotes")
    return v


def _channel(c) -> int:
    if isinstance(c, bool) or not isinstance(c, numbers.Real) or not float(c).is_integer():
        raise ValueError(c)
    return int(float(c))


def _rgb(color) -> RGB:
    if isinstance(color, str):
        s = color.lstrip("#")
        if len(s) != 6:
            raise SeisviewError(f"colour {color!r} is not #rrggbb", hint="write it like #ff8000")
        return (int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16))
    try:
        r, g, b = (_channel(c) for c in color)
    except (TypeError, ValueError):
        raise SeisviewError(f"colour {color!r:.40} is not #rrggbb or three whole numbers 0..255",
                            hint="write it like #ff8000") from None
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise SeisviewError(f"colour {color!r} has a channel outside 0..255")
    return (r, g, b)


class Palette:
    """Ordered, evented list of :class:`LabelClass`.

    ``changed`` is emitted (no arguments) after every edit; the project store
    saves the palette on it and views rebuild their lookup table.
    """

    changed = Signal()

    def __init__(self, classes=()):
        self._classes: list[LabelClass] = []
        for c in classes:
            if isinstance(c, LabelClass):
                self._check_new(c.name, c.id)
                self._classes.append(c)
            else:
                self.add(*c, _emit=False)

    # -- construction -------------------------------------------------------
    @classmethod
    def default(cls, which: str = "malenov") -> Palette:
        """``"malenov"`` (9 F3 facies) or ``"salt"`` (other, salt)."""
        try:
            return cls(DEFAULTS[which])
        except KeyError:
            raise SeisviewError(f"no default palette {which!r}",
                                hint=f"use one of {', '.join(DEFAULTS)}") from None

    def to_list(self) -> list[dict]:
        return [asdict(c) for c in self._classes]

    @classmethod
    def from_list(cls, items: list[dict]) -> Palette:
        """Classes from ``[{"id", "name", "color"[, "visible"]}, ...]``; ids must be whole numbers
        and names text (1.5 is not truncated to 1, a null name is not the class "None")."""
        if not isinstance(items, list | tuple):
            raise SeisviewError(f"the class list is a {type(items).__name__}, not a list of classes")
        out = []
        for d in items:
            if not isinstance(d, dict):
                raise SeisviewError(f"class entry {d!r:.60} is not a table of id, name and colour")
            out.append(LabelClass(class_id(d.get("id")), class_name(d.get("name")), _rgb(d.get("color")),
                                  bool(d.get("visible", True))))
        return cls(out)

    # -- queries ------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._classes)

    def __iter__(self):
        return iter(self._classes)

    @property
    def classes(self) -> tuple[LabelClass, ...]:
        return tuple(self._classes)

    def ids(self) -> list[int]:
        return [c.id for c in self._classes]

    def get(self, class_id: int) -> LabelClass:
        for c in self._classes:
            if c.id == class_id:
                return c
        raise SeisviewError(f"no label class with id {class_id}",
                            hint=f"the palette has ids {self.ids()}")

    def by_name(self, name: str, *, create: bool = False) -> LabelClass:
        """The class called ``name`` (case-insensitive); ``create=True`` adds it if missing."""
        for c in self._classes:
            if c.name.lower() == name.lower():
                return c
        if create:
            return self.add(name)
        raise SeisviewError(f"no label class named {name!r}",
                            hint=f"known classes: {', '.join(c.name for c in self._classes) or 'none'}")

    def by_key(self, key: int) -> LabelClass | None:
        """The class selected by number key ``key`` (1-9 = palette position)."""
        if 1 <= key <= min(9, len(self._classes)):
            return self._classes[key - 1]
        return None

    def lut(self, opacity: float = 0.5) -> np.ndarray:
        """``(256, 4)`` uint8 RGBA lookup table for masks; id 0 and hidden classes transparent."""
        lut = np.zeros((256, 4), np.uint8)
        a = int(round(255 * min(max(opacity, 0.0), 1.0)))
        for c in self._classes:
            if c.visible:
                lut[c.id] = (*c.color, a)
        return lut

    # -- edits ----------------------------------------------------------------
    def _check_new(self, name: str, class_id: int | None = None) -> None:
        if not name or not name.strip():
            raise SeisviewError("a label class needs a name")
        if any(c.name.lower() == name.lower() for c in self._classes):
            raise SeisviewError(f"label class {name!r} exists already", hint="choose another name")
        if class_id is not None and (not 1 <= class_id <= 255 or class_id in self.ids()):
            raise SeisviewError(f"label class id {class_id} is taken or outside 1..255")

    def add(self, name: str, color=None, *, _emit: bool = True) -> LabelClass:
        self._check_new(name)
        free = [i for i in range(1, 256) if i not in self.ids()]
        if not free:
            raise SeisviewError("the palette is full (255 classes)")
        if color is None:  # spread hues so a new class is visible on any other
            h = (len(self._classes) * 0.618034) % 1.0
            color = tuple(int(255 * v) for v in _hsv(h, 0.8, 0.95))
        c = LabelClass(free[0], name.strip(), _rgb(color))
        self._classes.append(c)
        if _emit:
            self.changed.emit()
        return c

    def _replace(self, class_id: int, **kw) -> None:
        i = self._classes.index(self.get(class_id))
        self._classes[i] = replace(self._classes[i], **kw)
        self.changed.emit()

    def rename(self, class_id: int, name: str) -> None:
        if self.get(class_id).name.lower() != name.lower():
            self._check_new(name)
        self._replace(class_id, name=name.strip())

    def recolor(self, class_id: int, color) -> None:
        self._replace(class_id, color=_rgb(color))

    def set_visible(self, class_id: int, visible: bool) -> None:
        self._replace(class_id, visible=bool(visible))

    def reorder(self, ids: list[int]) -> None:
        """Set the display order; ``ids`` must be a permutation of the current ids."""
        if sorted(ids) != sorted(self.ids()):
            raise SeisviewError(f"reorder needs every class id once, got {ids}")
        self._classes = [self.get(i) for i in ids]
        self.changed.emit()

    def remove(self, class_id: int) -> None:
        """Drop a class from the palette (pixels keep their id; they show transparent)."""
        self._classes.remove(self.get(class_id))
        self.changed.emit()


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
