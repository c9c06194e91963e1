"""Mutation run: lie to seisview with damaged copies of the real files in tests/data.

Each mutant (random header words, truncations, format-code and byte-order lies, random
bytes; see ``tests/segy_mutants.py``) is handed to seisview in its own process, under a
timeout and a memory limit, the way a user would: ``seisview info`` and a full load for
SEG-Y, ``picks import`` for pick tables, ``labels import`` for point files and label
images, ``well info`` for LAS. Each outcome is one of

- ``ok``       read, and the samples are the original ones (for text inputs: imported)
- ``warned``   read with samples the original never held, and a warning the original
               file does not raise (a header lie that cannot be undone, said as such)
- ``refused``  one line on stderr, exit 2
- ``crash``    a traceback, an internal error (exit 1) or a signal
- ``hang``     still running at the timeout
- ``wrong``    SEG-Y samples that are not the original's (values the file never held),
               with no warning beyond the original file's

Usage::

    python benchmarks/mutate_inputs.py --n 300 --seed 1 [--jobs 2] [--timeout 60] [--mem-mb 3072]

prints one line per mutant that is not ok/refused and the counts; ``--json FILE`` writes
every outcome. ``tests/test_hostile_mutation_run.py`` runs a small seeded version.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT / "tests"))

from segy_mutants import mutate  # noqa: E402

OUTCOMES = ("ok", "warned", "refused", "crash", "hang", "wrong")


# -- mutations of text and image inputs ---------------------------------------------------------
def mutate_bytes(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """Truncation, random bytes, a repeated block, a NUL run or one very long line."""
    kind = rng.choice(["truncate", "random", "repeat", "nul", "long_line", "quote"])
    b = bytearray(data)
    if kind == "truncate":
        cut = int(rng.integers(0, max(1, len(b))))
        return f"truncated to {cut} bytes", bytes(b[:cut])
    if kind == "random":
        o, k = int(rng.integers(0, max(1, len(b)))), int(rng.integers(1, 200))
        b[o:o + k] = bytes(rng.integers(0, 256, len(b[o:o + k]), dtype=np.uint8))
        return f"{k} random bytes at {o}", bytes(b)
    if kind == "repeat":
        o = int(rng.integers(0, max(1, len(b))))
        return f"block at {o} repeated", bytes(b[:o] + b[o:o + 4096] * 20 + b[o:])
    if kind == "nul":
        o = int(rng.integers(0, max(1, len(b))))
        return f"NUL bytes at {o}", bytes(b[:o] + b"\x00" * 5000 + b[o:])
    if kind == "quote":
        o = int(rng.integers(0, max(1, len(b))))
        return f"quote and line break at {o}", bytes(b[:o] + b'"\n"' + b[o:])
    o = int(rng.integers(0, max(1, len(b))))
    return f"one line of 2 MB at {o}", bytes(b[:o] + b"1" * 2_000_000 + b[o:])


# -- sources ------------------------------------------------------------------------------------
def sources() -> list[tuple[str, Path]]:
    """(kind, path) of the real files mutated; SEG-Y files weigh most."""
    out = [("segy", p) for p in sorted(DATA.rglob("*.sgy"))]
    fb = DATA / "firstbreaks" / "refrapy-02"
    out += [("picks", fb / "field_example_02_picks.csv"), ("picks", fb / "picks" / "field_example_02.sgt")]
    out += [("points", p) for p in sorted((DATA / "labels" / "malenov").glob("*.pts"))[:3]]
    out += [("image", DATA / "labels" / "waldeland" / "F3" / "train" / "inline_339.png")]
    out += [("las", DATA / "wells" / "R-39.las")]
    return out


def _child_limits(mem_mb: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (mem_mb * 1024**2, mem_mb * 1024**2))
        os.nice(5)
    return apply


def run_worker(args: list[str], timeout: float, mem_mb: int, code: Path = ROOT) -> dict:
    """One mutant in a fresh interpreter running the seisview of checkout ``code``; its outcome."""
    env = dict(os.environ, PYTHONPATH=str(code), QT_QPA_PLATFORM="offscreen",
               SEISVIEW_HOME=os.environ.get("SEISVIEW_HOME", str(Path(tempfile.gettempdir()) / "seisview-mutants-home")))
    try:
        p = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True,
                           timeout=timeout, env=env, preexec_fn=_child_limits(mem_mb))
    except subprocess.TimeoutExpired:
        return {"outcome": "hang", "detail": f"still running after {timeout:.0f} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    res = json.loads(lines[-1]) if lines else {}
    if p.returncode < 0:
        return {"outcome": "crash", "detail": f"killed by signal {-p.returncode}"}
    if "Traceback" in p.stderr or not res:
        return {"outcome": "crash", "detail": (p.stderr.strip().splitlines() or ["no result"])[-1][:300]}
    return res


# -- the worker: one mutant, in its own process -------------------------------------------------
def _cli(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    from seisview.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main([str(a) for a in argv])
    return rc, err.getvalue()


def _rc_outcome(rc: int, err: str) -> dict | None:
    """None when the command succeeded; else the outcome of its failure."""
    if rc == 0:
        return None
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    if rc == 2 and len(lines) == 1 and lines[0].startswith("seisview: error:"):
        return {"outcome": "refused", "detail": lines[0][:300]}
    return {"outcome": "crash", "detail": f"exit {rc}: " + " | ".join(lines)[-300:]}


def _samples(path):
    from seisview.io.segy_load import load
    from seisview.io.segy_scan import scan

    r = scan(path)
    obj = load(path, report=r, use_cache=False)
    return np.asarray(obj.data), list(r.warnings)


def worker_segy(path: str, reference: str) -> dict:
    from seisview.core.errors import SeisviewError

    rc, err = _cli(["info", path, "--json"])
    bad = _rc_outcome(rc, err)
    if bad is not None:
        return bad
    try:
        data, warnings = _samples(path)
    except SeisviewError as exc:
        return {"outcome": "refused", "detail": f"load: {exc}"[:300]}
    ref = np.load(reference)
    orig_warnings = json.loads(Path(reference).with_suffix(".json").read_text())
    new_warnings = [w for w in warnings if w not in orig_warnings]
    values = np.unique(data[data != 0])
    foreign = int(np.count_nonzero(~np.isin(values, ref)))
    allowed = int(Path(path).with_suffix(".allow").read_text())
    if foreign > allowed:
        if not new_warnings:
            return {"outcome": "wrong", "detail": f"{foreign} sample values the original never held, no warning"}
        return {"outcome": "warned", "detail": f"{foreign} new values; {new_warnings[0]}"[:300]}
    return {"outcome": "ok", "detail": (new_warnings[0] if new_warnings else "same samples")[:300]}


def worker_command(kind: str, path: str, project: str) -> dict:
    if kind == "picks":
        argv = ["picks", "import", project, path] + (["--format", "sgt"] if path.endswith(".sgt") else [])
    elif kind == "points":
        argv = ["labels", "import", project, path, "--format", "malenov", "--class", "salt"]
    elif kind == "image":
        argv = ["labels", "import", project, path, "--format", "image", "--section", "inline:339", "--resize"]
    else:
        argv = ["well", "info", path]
    rc, err = _cli(argv)
    return _rc_outcome(rc, err) or {"outcome": "ok", "detail": "imported"}


def worker(argv: list[str]) -> None:
    kind, path, extra = argv
    res = worker_segy(path, extra) if kind == "segy" else worker_command(kind, path, extra)
    print(json.dumps(res))


# -- the run -----------------------------------------------------------------------------------
def _projects(tmp: Path) -> dict[str, Path]:
    """A first-break project on the refrapy shots and a facies project on the F3 geometry."""
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.io.project import Project

    fb = tmp / "fb.seisview"
    Project.create(fb, DATA / "firstbreaks" / "refrapy-02" / "field_example_02_shots_with_fb.sgy").close()
    f3 = tmp / "f3.seisview"
    g = SurveyGeometry(LineAxis(100, 1, 651), LineAxis(300, 1, 951), 463, 4.0, 0.0)
    Project.create(f3, geometry=g, palette="salt").close()
    return {"picks": fb, "points": f3, "image": f3, "las": f3}


def _reference(src: Path, tmp: Path) -> Path:
    data, warnings = _samples(src)
    ref = tmp / f"ref_{abs(hash(str(src)))}.npy"
    np.save(ref, np.unique(data[data != 0]))
    ref.with_suffix(".json").write_text(json.dumps(warnings))
    return ref


def _allowance(what: str) -> int:
    """New sample values a mutation explains: the samples its random bytes overwrote."""
    words = what.split()
    if "random bytes at" in what and words[0].isdigit():
        return int(words[0])
    return 0


def make_mutants(n: int, seed: int, tmp: Path) -> list[tuple[str, str, list[str]]]:
    rng = np.random.default_rng(seed)
    srcs = sources()
    weights = np.array([3.0 if k == "segy" else 2.0 for k, _ in srcs])
    projects = _projects(tmp)
    refs: dict[Path, Path] = {}
    out = []
    for i in range(n):
        kind, src = srcs[rng.choice(len(srcs), p=weights / weights.sum())]
        data = src.read_bytes()
        what, mutated = mutate(data, rng) if kind == "segy" else mutate_bytes(data, rng)
        path = tmp / f"m{i:04d}_{src.name}"
        path.write_bytes(mutated)
        if kind == "segy":
            refs.setdefault(src, _reference(src, tmp))
            path.with_suffix(".allow").write_text(str(_allowance(what)))
            extra = str(refs[src])
        else:
            proj = tmp / f"p{i:04d}.seisview"  # each import writes: its own copy of the project
            shutil.copy(projects[kind], proj)
            extra = str(proj)
        out.append((f"{src.name}: {what}", kind, [kind, str(path), extra]))
    return out


def run(n: int, seed: int, jobs: int = 2, timeout: float = 120.0, mem_mb: int = 3072,
        verbose: bool = True, code: Path = ROOT) -> tuple[dict[str, int], list[dict]]:
    """Mutate, run every mutant, return the counts per outcome and every result."""
    with tempfile.TemporaryDirectory(prefix="seisview-mutants-") as d:
        tmp = Path(d)
        mutants = make_mutants(n, seed, tmp)
        with ThreadPoolExecutor(jobs) as pool:
            results = list(pool.map(lambda m: {"mutant": m[0], "kind": m[1],
                                               **run_worker(m[2], timeout, mem_mb, code)}, mutants))
    counts = {k: sum(r["outcome"] == k for r in results) for k in OUTCOMES}
    if verbose:
        for r in results:
            if r["outcome"] not in ("ok", "refused", "warned"):
                print(f"{r['outcome'].upper():6} {r['mutant']}: {r['detail']}")
    return counts, results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds before a mutant counts as a hang (R-39.las alone takes ~17 s at load 12)")
    ap.add_argument("--mem-mb", type=int, default=3072)
    ap.add_argument("--json", help="write every outcome to this file")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="seisview checkout to test (default this one; e.g. an older commit to compare)")
    a = ap.parse_args()
    counts, results = run(a.n, a.seed, a.jobs, a.timeout, a.mem_mb, code=a.code)
    by_kind: dict[str, dict[str, int]] = {}
    for r in results:
        by_kind.setdefault(r["kind"], dict.fromkeys(OUTCOMES, 0))[r["outcome"]] += 1
    for k, c in sorted(by_kind.items()):
        print(f"  {k:7} " + "  ".join(f"{o} {c[o]}" for o in OUTCOMES))
    print(f"{a.n} mutants (seed {a.seed}, load {os.getloadavg()[0]:.1f}): "
          + ", ".join(f"{counts[k]} {k}" for k in OUTCOMES))
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
