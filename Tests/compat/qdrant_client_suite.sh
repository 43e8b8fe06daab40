#!/usr/bin/env bash
# Runs qdrant-client v1.18.0's own REST congruence tests against a CampusSearch server, file by file.
# A tool, not part of `make test`. Needs: a debug build (.build/debug/campus-search), python3, and a
# checkout of qdrant-client's tests at v1.18.0 (QC_TESTS, default /tmp/qc118/tests; extract with
# `git --git-dir=<qdrant-client git dir> archive v1.18.0 tests | tar -x -C /tmp/qc118`).
# Only PyPI is used: qdrant-client==1.18.0, pytest, pytest-timeout, numpy go into a venv.
# Usage: Tests/compat/qdrant_client_suite.sh [PORT] [OUT.md]   (ONLY=test_count.py runs one file; KEEP_LOGS=dir keeps pytest logs)
set -uo pipefail
cd "$(dirname "$0")/../.."
PORT="${1:-6399}"
OUT="${2:-/tmp/compat-suite-results.md}"
QC_TESTS="${QC_TESTS:-/tmp/qc118/tests}"
VENV="${VENV:-/tmp/qcvenv}"
PER_FILE_TIMEOUT="${PER_FILE_TIMEOUT:-300}"
BIN=.build/debug/campus-search

[ -d "$QC_TESTS/congruence_tests" ] || { echo "no qdrant-client tests at $QC_TESTS"; exit 2; }
[ -x "$BIN" ] || { echo "build first: swift build --build-tests"; exit 2; }
if [ ! -x "$VENV/bin/pytest" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q qdrant-client==1.18.0 pytest pytest-timeout numpy
fi

# The suite hard-codes localhost:6333; point it at our port (on a copy).
WORK=$(mktemp -d)
cp -r "$QC_TESTS" "$WORK/tests"
sed -i "s/port=6333/port=int(__import__('os').environ.get('QDRANT_PORT', '6333'))/" \
  "$WORK/tests/congruence_tests/test_common.py"

DATA=$(mktemp -d)
"$BIN" serve --data-dir "$DATA" --port "$PORT" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

# gRPC-only, cluster and shard-key tests are excepted (deselected by name).
DESELECT='not grpc and not shard_key and not cluster'
echo "| file | passed | failed | errors | skipped |" > "$OUT"
echo "| --- | --- | --- | --- | --- |" >> "$OUT"
TP=0; TF=0; TE=0; TS=0
for f in "$WORK"/tests/congruence_tests/${ONLY:-test_*.py}; do
  name=$(basename "$f")
  [ "$name" = test_common.py ] && continue
  log="$WORK/$name.log"
  (cd "$WORK" && QDRANT_PORT=$PORT timeout "$PER_FILE_TIMEOUT" "$VENV/bin/pytest" -q -p no:cacheprovider \
      --timeout=120 -k "$DESELECT" "tests/congruence_tests/$name" > "$log" 2>&1)
  line=$(grep -E "(passed|failed|error|skipped|deselected)" "$log" | tail -1)
  p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
  fl=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); fl=${fl:-0}
  e=$(echo "$line" | grep -oE '[0-9]+ error' | grep -oE '[0-9]+'); e=${e:-0}
  s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+'); s=${s:-0}
  if [ -z "$line" ]; then
    # Timed out (or crashed): count pytest's progress characters so far, and one error for the rest.
    prog=$(grep -E '^[.FEsx]+( +\[ *[0-9]+%\])?$' "$log" | sed 's/ .*//' | tr -d '\n')
    p=$(printf '%s' "$prog" | tr -cd '.' | wc -c); fl=$(printf '%s' "$prog" | tr -cd 'F' | wc -c)
    s=$(printf '%s' "$prog" | tr -cd 's' | wc -c); e=1
    name="$name (timed out after ${PER_FILE_TIMEOUT}s)"
  fi
  echo "| $name | $p | $fl | $e | $s |" >> "$OUT"
  TP=$((TP+p)); TF=$((TF+fl)); TE=$((TE+e)); TS=$((TS+s))
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$log" "$KEEP_LOGS/"; fi
done
echo "| **total** | $TP | $TF | $TE | $TS |" >> "$OUT"
cat "$OUT"
echo "suite: $TP passed, $TF failed"
