#!/usr/bin/env bash
# HTTP throughput against in-process throughput on the same machine, same data, same ef.
#
#   Benchmarks/load/http_vs_inprocess.sh Benchmarks/data/synthetic-100000x384 cosine "64,100" 32
#
# 1. `bench dense --query-threads 2`: the engine alone, one thread and two threads querying at once.
# 2. `load --data-dir` + `serve`, then `bench http` with N closed-loop clients (the client shares the
#    cores with the server) and with one client.
# Prints each ef's HTTP QPS as a share of the in-process two-thread QPS.
set -euo pipefail
stem=$1; metric=${2:-cosine}; efs=${3:-64,100}; clients=${4:-32}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/.build/release/campus-search
work=$(mktemp -d /tmp/campus-http.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== in process (bench dense, 2 build threads, 1 and 2 query threads)"
"$bin" bench dense --base "$stem.base.fvecs" --queries "$stem.queries.fvecs" --gt "$stem.$metric.gt.ivecs" \
    --metric "$metric" --ef "$efs" --threads 2 --query-threads 2 --json "$work/dense.json" 2>/dev/null

echo "== over HTTP (load --data-dir, serve, bench http)"
"$bin" load --collection bench --vectors "$stem.base.fvecs" --data-dir "$work/db" --create --distance "$metric" 2>&1 | grep -v '%'
"$bin" serve --data-dir "$work/db" --port "$port" > "$work/serve.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; do sleep 0.05; done
url="http://127.0.0.1:$port"
"$bin" bench http --url "$url" --collection bench --queries "$stem.queries.fvecs" --concurrency 4 --requests 1000 > /dev/null
IFS=, read -ra list <<< "$efs"
for ef in "${list[@]}"; do
  printf 'ef %-4s %3s clients: ' "$ef" "$clients"
  "$bin" bench http --url "$url" --collection bench --queries "$stem.queries.fvecs" --gt "$stem.$metric.gt.ivecs" \
      --concurrency "$clients" --requests 20000 --ef "$ef" --json "$work/http-$ef.json" | tail -1
  printf 'ef %-4s   1 client:  ' "$ef"
  "$bin" bench http --url "$url" --collection bench --queries "$stem.queries.fvecs" --gt "$stem.$metric.gt.ivecs" \
      --concurrency 1 --requests 5000 --ef "$ef" | tail -1
done

python3 - "$work" "$efs" <<'PY'
import json, sys
work, efs = sys.argv[1], [int(e) for e in sys.argv[2].split(",")]
dense = {r["ef"]: r for r in json.load(open(f"{work}/dense.json"))["runs"]}
print("== HTTP QPS as a share of in-process QPS")
for ef in efs:
    http = json.load(open(f"{work}/http-{ef}.json"))
    one, two = dense[ef]["qps"], dense[ef].get("parallel_qps", dense[ef]["qps"])
    print(f"ef {ef}: HTTP {http['qps']:.0f} QPS (recall {http.get('recall', 0):.3f}) = "
          f"{100 * http['qps'] / two:.0f} % of in-process 2 threads ({two:.0f}), "
          f"{100 * http['qps'] / one:.0f} % of 1 thread ({one:.0f})")
PY
