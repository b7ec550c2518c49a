#!/usr/bin/env python3
"""`saestitch match` end to end against scipy's two solves alone (issue 13): the process CPU time of
the whole command (JVM start-up, loading both SAEs, both cosine passes and solves, the float64
cosines, the JSON) next to the CPU time of scipy.optimize.linear_sum_assignment(maximize=True)
on the decoder and the encoder cosine matrices, which are made outside scipy's timing.

The pairs are MatchBench's and numpy_peers.py's: two ReLU SAEs of n latents at D = 768 whose
decoder and encoder rows are Gaussian, B's rows noisy permuted copies of A's ("hard": all of them,
noise as large as the row, cosine ~0.7; "seeds": 40% of them, half the noise, cosine ~0.9, the rest
independent). They are written in SAELens layout (cfg.json + sae_weights.safetensors) to a temporary
folder. Ours runs with the launcher's defaults, pinned to one core with one BLAS thread as the peer is;
its CPU time is the child's user + system time (os.wait4). One JSON object per line on stdout.
The scipy run is skipped (and said so) where --scipy-max-n is exceeded: scipy takes minutes from n = 16,384.
Usage: python3 bench/peers/match_cli.py [--n 4096,8192] [--pairs seeds,hard] [--repeats 3] [--scipy-max-n 16384]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
CORE = sorted(os.sched_getaffinity(0))[0]
os.sched_setaffinity(0, {CORE})
import numpy as np  # noqa: E402  (after the thread settings)
import scipy  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402
from numpy_peers import D, match_pair as pair  # noqa: E402  (one definition of the pairs)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))




def write_sae(folder, w_dec, w_enc_rows):
    """A ReLU SAE in SAELens layout: W_enc (D, n), W_dec (n, D), zero biases."""
    os.makedirs(folder, exist_ok=True)
    n = w_dec.shape[0]
    tensors = {"W_dec": np.ascontiguousarray(w_dec), "W_enc": np.ascontiguousarray(w_enc_rows.T),
               "b_enc": np.zeros(n, np.float32), "b_dec": np.zeros(D, np.float32)}
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        blob = t.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(os.path.join(folder, "sae_weights.safetensors"), "wb") as f:
        f.write(len(head).to_bytes(8, "little"))
        f.write(head)
        for blob in blobs:
            f.write(blob)
    cfg = {"d_in": D, "d_sae": n, "dtype": "float32", "device": "cpu", "activation_fn_str": "relu",
           "apply_b_dec_to_input": False, "normalize_activations": "none", "hook_name": "synthetic", "model_name": "synthetic"}
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f)


def run_ours(a_dir, b_dir):
    """CPU and wall ms of one `saestitch match A B --json`, pinned to the same core."""
    cmd = ["taskset", "-c", str(CORE), os.path.join(TOP, "saestitch"), "match", a_dir, b_dir, "--json"]
    w0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - w0) * 1e3
    if status != 0:
        sys.exit("saestitch match failed: " + err.decode(errors="replace")[-2000:])
    return (usage.ru_utime + usage.ru_stime) * 1e3, wall, json.loads(out)


def cosines(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a @ b.T).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="4096,8192")
    ap.add_argument("--pairs", default="seeds,hard")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scipy-max-n", type=int, default=16384)
    args = ap.parse_args()
    subprocess.run([os.path.join(TOP, "saestitch"), "info"], check=True, capture_output=True)   # builds the CLI first
    for n in (int(v) for v in args.n.split(",")):
        for kind in args.pairs.split(","):
            sides = pair(n, kind)
            with tempfile.TemporaryDirectory(prefix="saestitch-match-") as tmp:
                a_dir, b_dir = os.path.join(tmp, "a"), os.path.join(tmp, "b")
                write_sae(a_dir, sides[0][0], sides[1][0])
                write_sae(b_dir, sides[0][1], sides[1][1])
                runs = [run_ours(a_dir, b_dir) for _ in range(args.repeats)]
            ours_cpu = statistics.median(r[0] for r in runs)
            ours_wall = statistics.median(r[1] for r in runs)
            record = dict(peer="scipy", workload="match-cli", pair=kind, n=n, ours_cpu_ms=round(ours_cpu, 1),
                          ours_wall_ms=round(ours_wall, 1), ours_repeats_cpu_ms=[round(r[0], 1) for r in runs],
                          shared_fraction=runs[0][2].get("shared_fraction"), scipy=scipy.__version__)
            if n <= args.scipy_max_n:
                mats = [cosines(a, b) for a, b in sides]
                t0, w0 = time.process_time(), time.perf_counter()
                for m in mats:
                    linear_sum_assignment(m, maximize=True)
                record.update(cpu_ms=round((time.process_time() - t0) * 1e3, 1), wall_ms=round((time.perf_counter() - w0) * 1e3, 1))
            else:
                record.update(cpu_ms=None, wall_ms=None, note="scipy not run above n = %d" % args.scipy_max_n)
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
