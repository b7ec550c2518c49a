#!/usr/bin/env python3
"""numpy and scipy peers on one core, in the shapes of our JMH benchmarks:

- "lap": scipy.optimize.linear_sum_assignment(maximize=True) on the n x n float32 matrices of
  AssignmentBench: "seeds" (decoder cosines of two dictionaries of n random unit rows in D = 768,
  40% of the second's rows noisy copies of the first's, cosine ~0.9, permuted) and "uniform"
  (i.i.d. uniform [0, 1)). scipy solves in float64 (it converts the matrix).
- "match": scipy's two solves (decoder and encoder cosines) of MatchBench's pairs, the matrices
  made outside the timing, against our whole match (both GEMMs, solves, float64 cosines).
- "compare": max cosine both ways between F_L = 4096 and F_S = 2048 unit rows in D = 768, as a
  numpy user writes it: one GEMM L @ S.T, then max and argmax along each axis (DictionaryBench's
  maxDots); and the bare GEMM alone (its bareGemm).

One BLAS thread, the process pinned to one core: CPU time (time.process_time) and wall time,
medians of REPEATS after one warm-up. One JSON object per line on stdout.
Usage: python3 bench/peers/numpy_peers.py [--lap-n 2048,4096] [--workloads lap,compare]
"""
import argparse
import json
import os
import statistics
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
import numpy as np  # noqa: E402  (after the thread settings)
import scipy  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

REPEATS = 3
D = 768


def timed(fn, repeats=REPEATS, warmup=1):
    """Median CPU and wall milliseconds of fn, and the CPU times of each repeat."""
    for _ in range(warmup):
        fn()
    cpu, wall = [], []
    for _ in range(repeats):
        t0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - t0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    return dict(cpu_ms=round(statistics.median(cpu), 1), wall_ms=round(statistics.median(wall), 1),
                repeats_cpu_ms=[round(t, 1) for t in cpu])


def unit_rows(rng, n):
    m = rng.standard_normal((n, D), dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def seed_cosines(rng, n):
    a = rng.standard_normal((n, D), dtype=np.float32)
    b = rng.standard_normal((n, D), dtype=np.float32)
    perm = rng.permutation(n)
    shared = int(0.4 * n)
    b[perm[:shared]] = a[:shared] + 0.5 * rng.standard_normal((shared, D), dtype=np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def lap(n, kind):
    rng = np.random.default_rng(20240611 + n)
    m = seed_cosines(rng, n) if kind == "seeds" else rng.random((n, n), dtype=np.float32)
    t = timed(lambda: linear_sum_assignment(m, maximize=True), repeats=1 if n > 4096 else REPEATS, warmup=0)
    return dict(peer="scipy", workload="lap", matrix=kind, n=n, **t, scipy=scipy.__version__)


def match_pair(n, kind):
    """MatchBench's pair: decoder and encoder rows of B noisy permuted copies of A's (all of them
    with noise as large as the row for "hard", 40% with half that for "seeds")."""
    rng = np.random.default_rng(20261203 + n)
    copies, noise = (n, 1.0) if kind == "hard" else (int(0.4 * n), 0.5)
    perm = rng.permutation(n)
    sides = []
    for _ in ("decoder", "encoder"):
        a = rng.standard_normal((n, D), dtype=np.float32)
        b = rng.standard_normal((n, D), dtype=np.float32)
        b[perm[:copies]] = a[:copies] + noise * rng.standard_normal((copies, D), dtype=np.float32)
        sides.append((a, b))
    return sides


def match(n, kind):
    """scipy's two solves alone (as issue 13 counts them): the cosine matrices are made outside the timing."""
    mats = []
    for a, b in match_pair(n, kind):
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        mats.append(a @ b.T)
    t = timed(lambda: [linear_sum_assignment(m, maximize=True) for m in mats], repeats=1, warmup=0)
    return dict(peer="scipy", workload="match", pair=kind, n=n, **t, scipy=scipy.__version__)


def compare():
    rng = np.random.default_rng(7)
    small, large = unit_rows(rng, 2048), unit_rows(rng, 4096)

    def maxima():
        c = large @ small.T
        return c.max(axis=1), c.argmax(axis=1), c.max(axis=0), c.argmax(axis=0)

    out = []
    for name, fn in (("max_dots", maxima), ("bare_gemm", lambda: large @ small.T)):
        out.append(dict(peer="numpy", workload="compare-" + name, F_L=4096, F_S=2048, D=D, **timed(fn), numpy=np.__version__))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lap-n", default="2048,4096")
    ap.add_argument("--match-n", default="4096")
    ap.add_argument("--workloads", default="compare,lap,match")
    args = ap.parse_args()
    work = args.workloads.split(",")
    if "compare" in work:
        for r in compare():
            print(json.dumps(r), flush=True)
    if "lap" in work:
        for n in (int(v) for v in args.lap_n.split(",")):
            for kind in ("seeds", "uniform"):
                print(json.dumps(lap(n, kind)), flush=True)
    if "match" in work:
        for n in (int(v) for v in args.match_n.split(",")):
            for kind in ("seeds", "hard"):
                print(json.dumps(match(n, kind)), flush=True)


if __name__ == "__main__":
    main()
