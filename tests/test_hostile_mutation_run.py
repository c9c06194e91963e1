"""A small seeded mutation run (the full one is ``benchmarks/mutate_inputs.py --n 300``):
damaged copies of the real files in tests/data, each through the CLI in its own process under
a timeout and a memory limit, give no crash, no hang and no silently wrong samples."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import mutate_inputs  # noqa: E402


def test_a_small_mutation_run_has_no_crash_hang_or_wrong_read():
    counts, results = mutate_inputs.run(8, seed=20261207, jobs=2, timeout=120, verbose=False)
    bad = [r for r in results if r["outcome"] in ("crash", "hang", "wrong")]
    assert not bad, bad
    assert sum(counts.values()) == 8 and counts["ok"] + counts["warned"] + counts["refused"] == 8
