#!/usr/bin/env python3
"""Prints the side-by-side table of ours against the peers, from one JMH JSON file of ours and the
peers' JSON lines (torch_step.py, numpy_peers.py, match_cli.py), as a markdown table with the ratio
peer / ours per row (> 1: ours is faster). Both sides are wall times on the same pinned core with one
BLAS thread (bench/peers/run.sh); the peers' CPU time is shown too (on a loaded machine the wall
time grows with other processes' share of the core, the CPU time does not). The match-cli rows
(match_cli.py: our whole process against scipy's two solves) carry both sides themselves and
compare process CPU time, as issue 13 counts it.
Usage: python3 bench/peers/table.py OURS.json PEERS.jsonl
"""
import json
import sys


def ours_index(path):
    index = {}
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 2)
        key = (name[-2], name[-1]) + tuple(sorted((r.get("params") or {}).items()))
        index[key] = r["primaryMetric"]["score"]
    return index


def ours_for(peer, index):
    w = peer["workload"]
    if w == "step":
        return "TrainStepBench.step arch=" + peer["arch"], index.get(("TrainStepBench", "step", ("arch", peer["arch"])))
    if w == "lap":
        return ("AssignmentBench.solve n=%d %s" % (peer["n"], peer["matrix"]),
                index.get(("AssignmentBench", "solve", ("matrix", peer["matrix"]), ("n", str(peer["n"])))))
    if w == "match":
        return ("MatchBench.match n=%d %s" % (peer["n"], peer["pair"]),
                index.get(("MatchBench", "match", ("n", str(peer["n"])), ("pair", peer["pair"]))))
    if w.startswith("compare-"):
        bench = {"max_dots": "maxDots", "bare_gemm": "bareGemm"}[w[len("compare-"):]]
        return "DictionaryBench." + bench, index.get(("DictionaryBench", bench))
    return w, None


def match_cli_row(peer):
    """A match_cli.py record: CPU times of both sides, wall in brackets; the ratio is of CPU times
    (scipy's side may be absent where it was not run)."""
    label = "match-cli n=%d pair=%s" % (peer["n"], peer["pair"])
    ours = "saestitch match, whole process: CPU ms (wall)"
    mine = "%.1f (%.1f)" % (peer["ours_cpu_ms"], peer["ours_wall_ms"])
    if peer.get("cpu_ms") is None:
        return "| %s | %s | %s | %s | %s | n/a |" % (label, peer["peer"], peer.get("note", "not run"), ours, mine)
    return "| %s | %s | CPU %.1f (wall %.1f) | %s | %s | %.2f (CPU) |" % (label, peer["peer"], peer["cpu_ms"], peer["wall_ms"], ours, mine,
                                                                        peer["cpu_ms"] / peer["ours_cpu_ms"])


def main():
    index = ours_index(sys.argv[1])
    print("| workload | peer | peer wall ms (CPU ms) | ours | ours wall ms | peer / ours (wall) |")
    print("|---|---|---|---|---|---|")
    for line in open(sys.argv[2]):
        if not line.strip():
            continue
        peer = json.loads(line)
        if peer["workload"] == "match-cli":
            print(match_cli_row(peer))
            continue
        what, ours = ours_for(peer, index)
        shape = {k: peer[k] for k in ("arch", "D", "F", "k", "B", "n", "matrix", "pair", "F_L", "F_S") if k in peer}
        label = peer["workload"] + " " + " ".join("%s=%s" % kv for kv in shape.items())
        ratio = "%.2f" % (peer["wall_ms"] / ours) if ours else "n/a"
        print("| %s | %s | %.1f (%.1f) | %s | %s | %s |" % (label, peer["peer"], peer["wall_ms"], peer["cpu_ms"], what,
                                                             "%.1f" % ours if ours else "not run", ratio))


if __name__ == "__main__":
    main()
