#!/usr/bin/env bash
# Filter / payload-index benchmark and its peer (qdrant-client local mode), on the same data.
# Usage: Benchmarks/filter/run.sh [points=100000] [repeats=20]
# Compiles the Filtering sources standalone with -O (no Package.swift target needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}; repeats=${2:-20}
python3 Benchmarks/filter/make_data.py "$n"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp Sources/CollectionStore/JSONValue.swift Sources/CollectionStore/PointID.swift Sources/Search/CandidateFilter.swift "$build"/
for f in Sources/CollectionStore/Filtering/*.swift; do
  [ "$(basename "$f")" = PayloadIndexCatalog.swift ] || cp "$f" "$build"/
done
sed -i 's/^import Search$//' "$build"/*.swift
cp Benchmarks/filter/FilterBench.swift "$build"/
swiftc -O -parse-as-library -swift-version 6 "$build"/*.swift -o "$build"/filter-bench
echo "== CampusSearch (Swift, -O) =="
"$build"/filter-bench Benchmarks/data/filter "$repeats"
echo "== peer: qdrant-client $(python3 -c 'import importlib.metadata as m; print(m.version("qdrant-client"))') local mode (count, exact) =="
python3 Benchmarks/filter/peer_qdrant_local.py 3
