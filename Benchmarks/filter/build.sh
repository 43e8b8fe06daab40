#!/usr/bin/env bash
# Compiles the Filtering sources standalone with -O beside one driver file (no Package.swift target).
# Usage: Benchmarks/filter/build.sh DRIVER.swift OUTPUT   (run from the repository root)
set -euo pipefail
driver=$1; output=$2
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp Sources/JSON/JSONValue.swift Sources/CollectionStore/PointID.swift Sources/Search/CandidateFilter.swift "$build"/
for f in Sources/CollectionStore/Filtering/*.swift; do
  [ "$(basename "$f")" = PayloadIndexCatalog.swift ] || cp "$f" "$build"/
done
sed -i -e 's/^import Search$//' -e 's/^import JSON$//' "$build"/*.swift
cp "$driver" "$build"/
swiftc -O -parse-as-library -swift-version 6 "$build"/*.swift -o "$output"
