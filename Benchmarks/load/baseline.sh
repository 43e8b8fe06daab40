#!/usr/bin/env bash
# The seed's scenarios (100 concurrent uploads, 50 document jobs in parallel, 1,000 req/s on tRPC, search cached
# and uncached, jobs/s) against a release server on loopback; writes Benchmarks/BASELINE.md.
#
#   swift build -c release --product campus-search && Benchmarks/load/baseline.sh [--seconds 10] [--out FILE]
#
# CAMPUS_SEARCH_BIN picks another binary. Needs the model (scripts/fetch-model.sh) and `requests` (scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CAMPUS_SEARCH_BIN:-$root/.build/release/campus-search}
if [ ! -x "$bin" ]; then
  echo "no release build at $bin: run swift build -c release --product campus-search" >&2
  exit 1
fi
CAMPUS_SEARCH_BIN=$bin exec python3 "$root/Benchmarks/load/baseline.py" "$@"
