#!/usr/bin/env bash
# Persist and reopen: bulk-load a dataset into a stopped server's LMDB (`load --data-dir`, which
# builds the HNSW graph and checkpoints it), then time how long a fresh `serve` takes to reopen it
# (process start → the collection answers over HTTP), and measure recall@10 after the reopen.
#
#   Benchmarks/load/reopen.sh Benchmarks/data/synthetic-1000000x128 cosine "64,128,256,512"
#
# Uses <stem>.base.fvecs, <stem>.queries.fvecs and <stem>.<metric>.gt.ivecs.
set -euo pipefail
stem=$1; metric=${2:-cosine}; efs=${3:-64,128,256}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/.build/release/campus-search
db=$(mktemp -d /tmp/campus-reopen.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $pid 2>/dev/null || true; rm -rf "$db"' EXIT
pid=

echo "== load --data-dir ($stem, $metric)"
"$bin" load --collection bench --vectors "$stem.base.fvecs" --data-dir "$db" --create --distance "$metric" 2>&1 | grep -v '%'
du -sh "$db" | awk '{print "LMDB on disk: " $1}'

echo "== reopen: process start until the collection answers"
start=$(date +%s.%N)
"$bin" serve --data-dir "$db" --port "$port" > "$db/serve.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/collections/bench" > /dev/null; do sleep 0.01; done
end=$(date +%s.%N)
python3 -c "print(f'reopened in {($end - $start):.2f} s')"
curl -s "http://127.0.0.1:$port/collections/bench" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print("points", r["points_count"], "indexed", r["indexed_vectors_count"])'

echo "== recall@10 after the reopen (one client)"
IFS=, read -ra list <<< "$efs"
for ef in "${list[@]}"; do
  printf 'ef %-4s ' "$ef"
  "$bin" bench http --url "http://127.0.0.1:$port" --collection bench --queries "$stem.queries.fvecs" \
      --gt "$stem.$metric.gt.ivecs" --concurrency 1 --ef "$ef" | tail -1
done
