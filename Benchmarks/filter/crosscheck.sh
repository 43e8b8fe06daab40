#!/usr/bin/env bash
# Cross-checks filter semantics against qdrant-client local mode on random payloads and filters.
# Usage: Benchmarks/filter/crosscheck.sh [points=300] [filters=400] [seed=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 Benchmarks/filter/crosscheck.py "${1:-300}" "${2:-400}" "${3:-1}"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
Benchmarks/filter/build.sh Benchmarks/filter/CrossCheck.swift "$build"/crosscheck
"$build"/crosscheck Benchmarks/data/filter/crosscheck.json
