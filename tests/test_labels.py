"""LabelSet painting without a window: brush, eraser, preserve, fill, polygon, undo across sections."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.core.labels import LabelSet, disc, flood_region, polygon_mask
from seisview.core.palette import Palette
from seisview.core.section import SectionSpec

GEOM = SurveyGeometry.regular(40, 50, 60)  # inline (60, 50), crossline (60, 40), time (40, 50)
IL, XL, TS = SectionSpec("inline", 3), SectionSpec("crossline", 7), SectionSpec("time", 11)


def state_hash(labels: LabelSet) -> str:
    h = hashlib.sha1()
    for spec, m in sorted(labels.snapshot().items(), key=lambda kv: kv[0].key()):
        h.update(spec.key().encode())
        h.update(m.tobytes())
    return h.hexdigest()


def test_section_shapes_follow_section_arrays():
    labels = LabelSet(GEOM)
    assert labels.shape(IL) == (60, 50)
    assert labels.shape(XL) == (60, 40)
    assert labels.shape(TS) == (40, 50)
    with pytest.raises(SeisviewError, match="outside the survey"):
        labels.shape(SectionSpec("inline", 40))


def test_brush_drag_paints_a_continuous_band_and_reports_rectangles():
    labels = LabelSet(GEOM)
    rects = []
    labels.events.changed.connect(lambda spec, rect: rects.append((spec, rect)))
    labels.begin(IL, 2, radius=2)
    labels.stamp(10, 5)
    labels.drag_to(10, 40)
    stroke = labels.end()
    m = labels.mask(IL)
    assert stroke.n_pixels == np.count_nonzero(m)
    assert np.all(m[10, 5:41] == 2)  # no gaps along the drag
    assert np.all(m[8:13, 20] == 2) and m[7, 20] == 0 and m[13, 20] == 0  # radius 2
    # one report per stamp and per drag segment (listeners redraw a segment once), each a
    # rectangle no larger than the segment's span plus the brush, holding the pixels it changed
    assert len(rects) == 2
    assert rects[0][1][1] - rects[0][1][0] <= 5 and rects[0][1][3] - rects[0][1][2] <= 5
    assert rects[1][1][1] - rects[1][1][0] <= 5 and rects[1][1][3] - rects[1][1][2] <= 35 + 5
    covered = np.zeros_like(m, bool)
    for _, (r0, r1, c0, c1) in rects:
        covered[r0:r1, c0:c1] = True
    assert not np.any((m != 0) & ~covered)


def test_mask_view_is_read_only_and_snapshot_is_a_frozen_copy():
    labels = LabelSet(GEOM)
    labels.paint(IL, [(5, 5)], 1, radius=1)
    with pytest.raises(ValueError):
        labels.mask(IL)[0, 0] = 3
    snap = labels.snapshot()
    assert list(snap) == [IL]
    with pytest.raises(ValueError):
        snap[IL][0, 0] = 3
    labels.paint(IL, [(20, 20)], 1, radius=1)
    assert snap[IL][20, 20] == 0  # the snapshot did not follow the later stroke


def test_eraser_and_preserve_existing():
    labels = LabelSet(GEOM)
    labels.paint(IL, [(10, 10), (10, 30)], 1, radius=3)
    before = labels.mask(IL).copy()
    labels.paint(IL, [(10, 20)], 2, radius=6, preserve=True)
    m = labels.mask(IL)
    assert np.all(m[before == 1] == 1)  # class 1 kept
    assert np.any(m == 2)
    assert np.all(m[(m == 2)] == 2) and not np.any((before == 1) & (m == 2))
    labels.paint(IL, [(10, 20)], 2, radius=8, erase=True, preserve=True)  # erase only class 2
    m = labels.mask(IL)
    assert not np.any(m == 2) and np.array_equal(m == 1, before == 1)
    labels.paint(IL, [(10, 20)], 0, radius=30, erase=True)
    assert not labels.mask(IL).any()
    n = len(labels._history)
    labels.paint(IL, [(10, 20)], 0, radius=30, erase=True)  # nothing left to erase
    assert len(labels._history) == n  # no empty undo step


def test_fill_stays_within_the_region_of_the_seed_label():
    labels = LabelSet(GEOM)
    # a closed ring of class 1; fill inside with 2 must not leak outside
    ring = [(30 + 12 * np.sin(a), 25 + 12 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 80)]
    labels.paint(IL, ring, 1, radius=1)
    stroke = labels.fill(IL, 30, 25, 2)
    m = labels.mask(IL)
    assert m[30, 25] == 2 and m[0, 0] == 0 and stroke.tool == "fill"
    assert np.count_nonzero(m == 2) == stroke.n_pixels
    ring_px = m == 1
    assert np.count_nonzero(ring_px) > 0
    # outside fill takes everything unlabelled outside the ring
    labels.fill(IL, 0, 0, 3)
    m = labels.mask(IL)
    assert np.count_nonzero(m == 0) == 0 and np.array_equal(m == 1, ring_px)
    # preserve: filling a labelled seed does nothing
    assert labels.fill(IL, 30, 25, 4, preserve=True) is None


def test_flood_region_matches_a_pixel_by_pixel_search():
    rng = np.random.default_rng(3)
    region = rng.random((40, 50)) < 0.6
    r, c = map(int, np.argwhere(region)[0])
    got = flood_region(region, r, c)
    want = np.zeros_like(region)
    todo = [(r, c)]
    while todo:
        y, x = todo.pop()
        if 0 <= y < 40 and 0 <= x < 50 and region[y, x] and not want[y, x]:
            want[y, x] = True
            todo += [(y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)]
    assert np.array_equal(got, want)


def test_polygon_fill_and_lasso():
    m = polygon_mask((20, 20), np.array([(2, 2), (2, 12), (12, 12), (12, 2)], float))
    assert m.sum() == 11 * 11 and m[2, 2] and m[12, 12] and not m[13, 5]
    tri = polygon_mask((30, 30), np.array([(0, 0), (0, 20), (20, 0)], float))
    assert tri[1, 1] and not tri[15, 15]
    labels = LabelSet(GEOM)
    labels.paint(TS, [(10, 10)], 1, radius=2)
    s = labels.polygon(TS, [(5, 5), (5, 20), (20, 20), (20, 5)], 3, preserve=True)
    m = labels.mask(TS)
    assert m[10, 10] == 1 and m[6, 6] == 3 and s.tool == "polygon"


def test_disc_is_round():
    d = disc(3)
    assert d.shape == (7, 7) and d[3, 0] and not d[0, 0] and d.sum() == 37


def test_undo_redo_across_sections_and_new_stroke_drops_redo():
    labels = LabelSet(GEOM)
    h0 = state_hash(labels)
    labels.paint(IL, [(5, 5)], 1)
    h1 = state_hash(labels)
    labels.paint(XL, [(9, 9)], 2)
    labels.fill(TS, 0, 0, 3)
    h3 = state_hash(labels)
    assert labels.undo().tool == "fill" and labels.undo().parts[0].spec == XL
    assert state_hash(labels) == h1
    assert labels.redo().parts[0].spec == XL and labels.redo().tool == "fill"
    assert state_hash(labels) == h3 and not labels.can_redo
    labels.undo()
    labels.undo()
    labels.paint(IL, [(30, 30)], 4)  # new branch: redo gone
    assert not labels.can_redo
    labels.undo()
    labels.undo()
    assert state_hash(labels) == h0 and not labels.can_undo


def test_thousand_random_strokes_undo_all_redo_all():
    """1,000 random strokes on several sections: undo all -> start state, redo all -> end state."""
    rng = np.random.default_rng(1000)
    labels = LabelSet(GEOM)
    specs = [IL, XL, TS, SectionSpec("inline", 30), SectionSpec("time", 59)]
    labels.paint(IL, [(1, 1)], 9)  # a start state that is not empty
    start = state_hash(labels)
    n = 0
    while n < 1000:
        spec = specs[rng.integers(len(specs))]
        h, w = labels.shape(spec)
        kind = rng.integers(4)
        cls = int(rng.integers(1, 6))
        if kind == 0:
            pts = rng.uniform(0, [h, w], size=(int(rng.integers(1, 5)), 2))
            s = labels.paint(spec, pts, cls, radius=int(rng.integers(0, 4)),
                             erase=bool(rng.random() < 0.2), preserve=bool(rng.random() < 0.3))
        elif kind == 1:
            s = labels.fill(spec, int(rng.integers(h)), int(rng.integers(w)), cls)
        elif kind == 2:
            s = labels.polygon(spec, rng.uniform(0, [h, w], size=(5, 2)), cls)
        else:
            s = labels.paint(spec, [(rng.integers(h), rng.integers(w))], cls, radius=1)
        n += s is not None
    end = state_hash(labels)
    fresh = np.zeros(256, np.int64)  # the running class counts agree with the masks
    for m in labels.snapshot().values():
        fresh += np.bincount(m.ravel(), minlength=256)
    assert labels.class_counts() == {k: int(fresh[k]) for k in range(1, 256) if fresh[k]}
    for _ in range(1000):
        assert labels.undo() is not None
    assert state_hash(labels) == start
    redone = 0
    while labels.redo() is not None:
        redone += 1
    print(f"\n1000 random strokes on 5 sections: undo all -> start hash {start[:10]}, "
          f"redo all ({redone}) -> end hash {end[:10]}: both reproduced")
    assert state_hash(labels) == end and redone == 1000


def test_palette_defaults_keys_and_edits():
    p = Palette.default("malenov")
    assert [c.id for c in p] == list(range(1, 10))
    assert p.get(8).name == "salt" and p.by_key(1).name == "else" and p.by_key(10) is None
    s = Palette.default("salt")
    assert s.by_name("salt").color == (255, 0, 0) and s.by_name("other").color == (0, 0, 255)
    seen = []
    p.changed.connect(lambda: seen.append(1))
    c = p.add("gas")
    assert c.id == 10
    p.rename(c.id, "gas_chimney")
    p.recolor(c.id, "#00ff00")
    p.reorder([10, *range(1, 10)])
    assert p.by_key(1).name == "gas_chimney" and p.get(10).color == (0, 255, 0)
    p.set_visible(8, False)
    lut = p.lut(0.5)
    assert lut.shape == (256, 4) and lut[8, 3] == 0 and lut[10, 3] == 128 and lut[0, 3] == 0
    assert len(seen) == 5
    with pytest.raises(SeisviewError, match="exists already"):
        p.add("SALT")
    with pytest.raises(SeisviewError):
        p.reorder([1, 2])
    assert Palette.from_list(p.to_list()).to_list() == p.to_list()
