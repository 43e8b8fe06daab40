#!/usr/bin/env bash
# Cross-checks filter semantics against qdrant-client local mode on random payloads and filters.
# Usage: Benchmarks/filter/crosscheck.sh [points=300] [filters=400] [seed=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 Benchmarks/filter/crosscheck.py "${1:-300}" "${2:-400}" "${3:-1}"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp Sources/CollectionStore/JSONValue.swift Sources/CollectionStore/PointID.swift Sources/Search/CandidateFilter.swift "$build"/
for f in Sources/CollectionStore/Filtering/*.swift; do
  [ "$(basename "$f")" = PayloadIndexCatalog.swift ] || cp "$f" "$build"/
done
sed -i 's/^import Search$//' "$build"/*.swift
cp Benchmarks/filter/CrossCheck.swift "$build"/
swiftc -O -parse-as-library -swift-version 6 "$build"/*.swift -o "$build"/crosscheck
"$build"/crosscheck Benchmarks/data/filter/crosscheck.json
