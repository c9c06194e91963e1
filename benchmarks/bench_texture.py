"""GLCM texture attributes of an F3-sized section: integral images vs scikit-image per window.

``seisview.attributes.texture.glcm_attributes`` computes every window's
co-occurrence statistics at once; the reference builds one scikit-image
``graycomatrix`` per pixel (timed on a sample of pixels and scaled to the
section). Both give the same numbers (``tests/test_attributes.py``).

Run: ``python benchmarks/bench_texture.py [--levels 16 --window 9]`` (CPU time).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


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
        t = time.process_time()
        glcm_attributes(section, FEATURES, levels=args.levels, window=args.window, angles=angles)
        ours = time.process_time() - t
        q = quantize(section, args.levels)
        half = args.window // 2
        qp = np.pad(q, half + 1, mode="reflect")
        idx = rng.integers(0, n_px, args.sample)
        t = time.process_time()
        for k in idx:
            i, j = divmod(int(k), section.shape[1])
            patch = qp[i + 1:i + 2 + 2 * half, j + 1:j + 2 + 2 * half]
            P = graycomatrix(patch, [1], np.deg2rad(angles), levels=args.levels, symmetric=True, normed=True)
            for f in ("contrast", "homogeneity", "correlation", "ASM"):
                graycoprops(P, f)
            p = P[P > 0]
            _ = -(p * np.log2(p)).sum()
        ref = (time.process_time() - t) / args.sample * n_px
        print(f"{len(angles)} direction(s), {args.levels} levels, {args.window}x{args.window} window, "
              f"463x951 section: integral images {ours:6.2f} s, scikit-image per window {ref:7.1f} s "
              f"(estimated from {args.sample} pixels), ratio {ref / ours:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
