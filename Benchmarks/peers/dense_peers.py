#!/usr/bin/env python3
"""Runs hnswlib and faiss-cpu HNSW beside `campus-search bench dense` on the same files, same run.

Same M, ef_construct and build thread count for all three; queries are answered one at a time on
one thread. Prints one row per (engine, ef) and the ratio of our QPS to each peer's at recall
0.90, 0.95 and 0.99, interpolated linearly on each recall/QPS curve.

Peer QPS is measured two ways: `qps` = one knn call per query from Python (includes ~10-20 µs of
Python call overhead per query), `qps_batch1t` = all queries in one call on one thread (no Python
overhead; the fairer, harder comparison). Ratios use qps_batch1t.

    pip install hnswlib faiss-cpu numpy
    swift build -c release --product campus-search
    python3 Benchmarks/peers/dense_peers.py --base B.fvecs --queries Q.fvecs --gt G.ivecs --metric l2 --threads 2
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets"))
from vecs import exact_ground_truth, read_fvecs, read_ivecs  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def recall_at_k(found, truth, k):
    hits = 0
    for row, want in zip(found, truth):
        hits += len(set(int(x) for x in row[:k]) & set(int(x) for x in want[:k]))
    return hits / (len(truth) * k)


def time_queries(search_one, queries):
    """Per-query latencies (µs) and the ids, one query at a time."""
    lat, ids = [], []
    for q in queries:
        t0 = time.perf_counter_ns()
        ids.append(search_one(q))
        lat.append((time.perf_counter_ns() - t0) / 1000)
    return np.array(lat), ids


def run_hnswlib(base, queries, truth, args):
    import hnswlib

    space = {"l2": "l2", "cosine": "cosine", "dot": "ip"}[args.metric]
    before = rss_bytes()
    index = hnswlib.Index(space=space, dim=base.shape[1])
    index.init_index(max_elements=len(base), ef_construction=args.ef_construct, M=args.m, random_seed=1)
    t0 = time.perf_counter()
    index.add_items(base, np.arange(len(base)), num_threads=args.threads)
    build = time.perf_counter() - t0
    memory = rss_bytes() - before
    index.set_num_threads(1)
    runs = []
    for ef in args.efs:
        index.set_ef(max(ef, args.k))
        index.knn_query(queries[:50], k=args.k, num_threads=1)  # warm-up
        lat, ids = time_queries(lambda q: index.knn_query(q.reshape(1, -1), k=args.k, num_threads=1)[0][0], queries)
        t0 = time.perf_counter()
        batch_ids, _ = index.knn_query(queries, k=args.k, num_threads=1)
        batch = time.perf_counter() - t0
        runs.append(row(ef, recall_at_k(batch_ids, truth, args.k), len(queries), lat, batch))
    return {"build": {"seconds": build, "threads": args.threads, "memory_bytes": memory}, "runs": runs}


def run_faiss(base, queries, truth, args):
    import faiss

    data, qs = base, queries
    metric = faiss.METRIC_L2 if args.metric == "l2" else faiss.METRIC_INNER_PRODUCT
    if args.metric == "cosine":
        data = base / np.linalg.norm(base, axis=1, keepdims=True)
        qs = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    before = rss_bytes()
    index = faiss.IndexHNSWFlat(base.shape[1], args.m, metric)
    index.hnsw.efConstruction = args.ef_construct
    faiss.omp_set_num_threads(args.threads)
    t0 = time.perf_counter()
    index.add(np.ascontiguousarray(data, dtype=np.float32))
    build = time.perf_counter() - t0
    memory = rss_bytes() - before
    faiss.omp_set_num_threads(1)
    runs = []
    for ef in args.efs:
        index.hnsw.efSearch = max(ef, args.k)
        index.search(qs[:50], args.k)
        lat, ids = time_queries(lambda q: index.search(q.reshape(1, -1), args.k)[1][0], qs)
        t0 = time.perf_counter()
        _, batch_ids = index.search(qs, args.k)
        batch = time.perf_counter() - t0
        runs.append(row(ef, recall_at_k(batch_ids, truth, args.k), len(queries), lat, batch))
    return {"build": {"seconds": build, "threads": args.threads, "memory_bytes": memory}, "runs": runs}


def row(ef, recall, n, lat, batch_seconds):
    return {
        "ef": ef, "recall": recall, "qps": n / (lat.sum() / 1e6), "qps_batch1t": n / batch_seconds,
        "p50_us": float(np.percentile(lat, 50)), "p95_us": float(np.percentile(lat, 95)),
        "p99_us": float(np.percentile(lat, 99)),
    }


def run_ours(args, gt_path, quantization):
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    cmd = [args.binary, "bench", "dense", "--base", args.base, "--queries", args.queries, "--gt", gt_path,
           "--k", str(args.k), "--metric", args.metric, "--m", str(args.m), "--ef-construct", str(args.ef_construct),
           "--ef", ",".join(map(str, args.efs)), "--threads", str(args.threads), "--quantization", quantization,
           "--json", out]
    if args.limit_queries:
        cmd += ["--limit-queries", str(args.limit_queries)]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    with open(out) as f:
        return json.load(f)


def qps_at(runs, target, key):
    """Linear interpolation of QPS at recall `target` on a curve (None when never reached)."""
    pts = sorted((r["recall"], r[key]) for r in runs)
    if not pts or pts[-1][0] < target:
        return None
    if pts[0][0] >= target:
        return max(q for rc, q in pts if rc >= target)
    for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
        if r0 <= target <= r1:
            return q0 if r1 == r0 else q0 + (q1 - q0) * (target - r0) / (r1 - r0)
    return None


def p95_at(runs, target):
    pts = sorted((r["recall"], r["p95_us"]) for r in runs)
    for rc, p in pts:
        if rc >= target:
            return p
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True)
    p.add_argument("--queries", required=True)
    p.add_argument("--gt", help=".ivecs ground truth (computed exactly when absent)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--metric", choices=["l2", "cosine", "dot"], default="l2")
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construct", type=int, default=100)
    p.add_argument("--ef", default="16,24,32,48,64,96,128,192,256")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quantization", default="none,int8", help="our variants to run: none, int8 or both")
    p.add_argument("--limit-queries", type=int)
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "campus-search"))
    p.add_argument("--peers", default="hnswlib,faiss")
    p.add_argument("--json", help="write all results here")
    args = p.parse_args()
    args.efs = [int(x) for x in args.ef.split(",")]

    base = read_fvecs(args.base)
    queries = read_fvecs(args.queries)
    if args.limit_queries:
        queries = queries[: args.limit_queries]
    gt_path = args.gt
    if gt_path:
        truth = read_ivecs(gt_path)[: len(queries)]
    else:
        truth = exact_ground_truth(base, queries, args.k, args.metric)
        gt_path = tempfile.NamedTemporaryFile(suffix=".ivecs", delete=False).name
        from vecs import write_ivecs
        write_ivecs(gt_path, truth)
    print(f"dataset: {len(base)} × {base.shape[1]}, {len(queries)} queries, metric {args.metric}, "
          f"M {args.m}, ef_construct {args.ef_construct}, build threads {args.threads}", flush=True)

    results = {}
    ours_names = []
    for q in args.quantization.split(","):
        name = "campus-search" if q == "none" else f"campus-{q}"
        results[name] = run_ours(args, gt_path, q)
        ours_names.append(name)
    peers = [x for x in args.peers.split(",") if x]
    if "hnswlib" in peers:
        results["hnswlib"] = run_hnswlib(base, queries, truth, args)
    if "faiss" in peers:
        results["faiss"] = run_faiss(base, queries, truth, args)

    print()
    print(f"{'engine':<14}{'ef':>6}{'recall':>9}{'QPS':>10}{'QPS b1t':>10}{'p50 µs':>9}{'p95 µs':>9}{'p99 µs':>9}")
    for name, res in results.items():
        for r in res["runs"]:
            print(f"{name:<14}{r['ef']:>6}{r['recall']:>9.4f}{r['qps']:>10.0f}{r.get('qps_batch1t', r['qps']):>10.0f}"
                  f"{r['p50_us']:>9.1f}{r['p95_us']:>9.1f}{r['p99_us']:>9.1f}")
    print()
    print(f"{'engine':<14}{'build s':>9}{'threads':>8}{'memory MB':>11}")
    for name, res in results.items():
        b = res["build"]
        print(f"{name:<14}{b['seconds']:>9.2f}{b['threads']:>8}{b['memory_bytes'] / 1e6:>11.1f}")
    print()
    for name in ours_names:
        ours = results[name]["runs"]
        for target in (0.90, 0.95, 0.99):
            ours_q = qps_at(ours, target, "qps")
            cells = [f"{name} @ recall {target:.2f}: " + (f"{ours_q:.0f} QPS" if ours_q else "not reached")]
            p95 = p95_at(ours, target)
            if p95:
                cells.append(f"p95 {p95:.0f} µs")
            for peer in peers:
                theirs = qps_at(results[peer]["runs"], target, "qps_batch1t")
                theirs_p95 = p95_at(results[peer]["runs"], target)
                if ours_q and theirs:
                    cells.append(f"{peer} {theirs:.0f} QPS (p95 {theirs_p95:.0f} µs) → ratio {ours_q / theirs:.2f}")
                else:
                    cells.append(f"{peer} n/a")
            print("  ".join(cells))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
