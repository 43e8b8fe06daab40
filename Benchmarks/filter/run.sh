#!/usr/bin/env bash
# Filter / payload-index benchmark and its peer (qdrant-client local mode), on the same data.
# Usage: Benchmarks/filter/run.sh [points=100000] [repeats=20]
# Compiles the Filtering sources standalone with -O (Benchmarks/filter/build.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}; repeats=${2:-20}
python3 Benchmarks/filter/make_data.py "$n"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
Benchmarks/filter/build.sh Benchmarks/filter/FilterBench.swift "$build"/filter-bench
echo "== CampusSearch (Swift, -O) =="
"$build"/filter-bench Benchmarks/data/filter "$repeats"
echo "== peer: qdrant-client $(python3 -c 'import importlib.metadata as m; print(m.version("qdrant-client"))') local mode (count, exact) =="
python3 Benchmarks/filter/peer_qdrant_local.py 3
