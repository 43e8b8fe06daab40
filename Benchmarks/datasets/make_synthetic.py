#!/usr/bin/env python3
"""Clustered synthetic vectors (Gaussian blobs around random centres), like embeddings.

Writes <out>/synthetic-<n>x<dim>.base.fvecs, .queries.fvecs and .gt.ivecs (exact top-100).

    python3 Benchmarks/datasets/make_synthetic.py --n 100000 --dim 384 --queries 1000 --metric l2
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vecs import exact_ground_truth, write_fvecs, write_ivecs  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--clusters", type=int, default=100)
    p.add_argument("--spread", type=float, default=0.5, help="std-dev of points around their centre")
    p.add_argument("--metric", choices=["l2", "cosine", "dot"], default="l2", help="metric for the ground truth")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data"))
    args = p.parse_args()

    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((args.clusters, args.dim)).astype(np.float32)

    def draw(n):
        labels = rng.integers(0, args.clusters, n)
        return centres[labels] + args.spread * rng.standard_normal((n, args.dim)).astype(np.float32)

    base, queries = draw(args.n), draw(args.queries)
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, f"synthetic-{args.n}x{args.dim}")
    write_fvecs(stem + ".base.fvecs", base)
    write_fvecs(stem + ".queries.fvecs", queries)
    write_ivecs(stem + f".{args.metric}.gt.ivecs", exact_ground_truth(base, queries, 100, args.metric))
    print(f"wrote {stem}.base.fvecs, .queries.fvecs, .{args.metric}.gt.ivecs")


if __name__ == "__main__":
    main()
