#!/usr/bin/env bash
# Alternating A/B rounds of `bench http` between two builds (or metrics on/off), each server holding the 100k
# collection its own `load --data-dir` wrote, so machine drift hits both sides alike.
#
#   Benchmarks/load/ab.sh floor   OLD_BIN NEW_BIN [ROUNDS]   # 32 clients on an empty collection
#   Benchmarks/load/ab.sh search1 OLD_BIN NEW_BIN [ROUNDS]   # 1 client, ef 100, on the 100k collection
#   Benchmarks/load/ab.sh metrics BIN BIN [ROUNDS]           # 32 clients, ef 100: CAMPUS_SEARCH_METRICS=on, then off
#
# Needs Benchmarks/data/synthetic-100000x384 (python3 Benchmarks/datasets/make_synthetic.py --n 100000 --dim 384
# --queries 1000 --metric cosine). Prints one line per run with the server's CPU time per request. Both sides
# are loaded by the same client, NEW_BIN's `bench http` (AB_CLIENT=path picks another), so only the server differs.
set -euo pipefail
mode=$1; a=$2; b=$3; rounds=${4:-4}; client=${AB_CLIENT:-$b}
root=$(cd "$(dirname "$0")/../.." && pwd)
stem=$root/Benchmarks/data/synthetic-100000x384
work=$(mktemp -d /tmp/campus-ab.XXXXXX)
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$a" load --collection bench --vectors "$stem.base.fvecs" --data-dir "$work/a" --create --distance cosine > /dev/null 2>&1
if [ "$mode" = metrics ]; then ln -s "$work/a" "$work/b"; else
  "$b" load --collection bench --vectors "$stem.base.fvecs" --data-dir "$work/b" --create --distance cosine > /dev/null 2>&1
fi
run() {  # side binary metrics
  local side=$1 bin=$2 metrics=$3 port before after line requests
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  CAMPUS_SEARCH_METRICS=$metrics "$bin" serve --data-dir "$work/$side" --port "$port" > "$work/serve.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; do sleep 0.05; done
  curl -sf -X PUT "http://127.0.0.1:$port/collections/floor" -H 'content-type: application/json' \
      -d '{"vectors":{"dense":{"size":384,"distance":"Cosine"}}}' > /dev/null || true
  "$client" bench http --url "http://127.0.0.1:$port" --collection bench --queries "$stem.queries.fvecs" --concurrency 32 --requests 3000 > /dev/null
  case $mode in
    floor) requests=40000; set -- --collection floor --concurrency 32 ;;
    search1) requests=5000; set -- --collection bench --concurrency 1 --ef 100 ;;
    metrics) requests=20000; set -- --collection bench --concurrency 32 --ef 100 ;;
  esac
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  line=$("$client" bench http --url "http://127.0.0.1:$port" --queries "$stem.queries.fvecs" --requests "$requests" "$@" | tail -1)
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "$side metrics=$metrics: $line  server CPU $(( (after - before) * 1000000 / $(getconf CLK_TCK) / requests )) µs/request"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}
for i in $(seq 1 "$rounds"); do
  echo "round $i"
  if [ "$mode" = metrics ]; then run a "$a" on; run b "$a" off; else run a "$a" on; run b "$b" on; fi
done
