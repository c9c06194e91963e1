"""GLCM texture attributes of an F3-sized section: integral images vs scikit-image per window.

``seisview.attributes.texture.glcm_attributes`` computes every window's
co-occurrence statistics at once; the reference builds one scikit-image
``graycomatrix`` per pixel (timed on a sample of pixels and scaled to the
section). Both give the same numbers (``tests/test_attributes.py``).

Run: ``python benchmarks/bench_texture.py [--levels 16 --window 9]``. Interleaved pairs,
three runs (benchmarks/_timing.py): the whole section ours against the reference on
``--sample`` pixels; the printed ratio scales the reference to the whole section.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--levels", type=int, default=16)
    ap.add_argument("--window", type=int, default=9)
    ap.add_argument("--sample", type=int, default=2000, help="pixels timed for the reference")
    args = ap.parse_args(argv)
    from skimage.feature import graycomatrix, graycoprops

    from seisview.attributes.texture import FEATURES, glcm_attributes, quantize

    rng = np.random.default_rng(0)
    section = np.cumsum(rng.normal(size=(463, 951)), axis=0).astype(np.float32)
    n_px = section.size
    for angles in ((0,), (0, 45, 90, 135)):
        q = quantize(section, args.levels)
        half = args.window // 2
        qp = np.pad(q, half + 1, mode="reflect")
        idx = rng.integers(0, n_px, args.sample)

        def ours(angles=angles):
            glcm_attributes(section, FEATURES, levels=args.levels, window=args.window, angles=angles)

        def reference(angles=angles, idx=idx, qp=qp, half=half):  # one matrix per sampled pixel
            for k in idx:
                i, j = divmod(int(k), section.shape[1])
                patch = qp[i + 1:i + 2 + 2 * half, j + 1:j + 2 + 2 * half]
                P = graycomatrix(patch, [1], np.deg2rad(angles), levels=args.levels, symmetric=True,
                                 normed=True)
                for f in ("contrast", "homogeneity", "correlation", "ASM"):
                    graycoprops(P, f)
                p = P[P > 0]
                _ = -(p * np.log2(p)).sum()

        cmp = compare(ours, reference, n=2, warmup=1)
        scale = n_px / args.sample
        print(cmp.line(f"{len(angles)} direction(s), {args.levels} levels, {args.window}x{args.window} "
                       f"window, 463x951 section: scikit-image on {args.sample} pixels / integral "
                       f"images on all", "", ("scikit-image", "integral images")))
        print(f"      scaled to the whole section: scikit-image per window {cmp.ratio * scale:.1f}x "
              f"integral images (runs {' '.join(f'{r * scale:.1f}' for r in cmp.run_ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
