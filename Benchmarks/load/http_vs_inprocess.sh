#!/usr/bin/env bash
# HTTP throughput against in-process throughput on the same machine, same data, same ef.
#
#   Benchmarks/load/http_vs_inprocess.sh Benchmarks/data/synthetic-100000x384 cosine "64,100" 32
#
# 1. `bench dense --query-threads 2`: the engine alone, one thread and two threads querying at once.
# 2. `load --data-dir` + `serve`, then `bench http` with N closed-loop clients (the client shares the
#    cores with the server) and with one client, each line with the server's CPU time per request.
# 3. The same queries against an empty collection: the cost of everything but the search.
# Prints each ef's HTTP QPS as a share of the in-process two-thread QPS.
set -euo pipefail
stem=$1; metric=${2:-cosine}; efs=${3:-64,100}; clients=${4:-32}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CAMPUS_SEARCH_BIN:-$root/.build/release/campus-search}
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
# CPU seconds the server has used so far (user + system), from /proc.
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat"; }
# Runs one `bench http` and appends the server's CPU time per request to its line.
measure() {
  local requests=$1; shift
  local before after
  before=$(server_cpu)
  line=$("$bin" bench http --url "$url" --queries "$stem.queries.fvecs" --requests "$requests" "$@" | tail -1)
  after=$(server_cpu)
  echo "$line  server CPU $(python3 -c "print(round(($after - $before) * 1e6 / $requests))") µs/request"
}

IFS=, read -ra list <<< "$efs"
for ef in "${list[@]}"; do
  printf 'ef %-4s %3s clients: ' "$ef" "$clients"
  measure 20000 --collection bench --gt "$stem.$metric.gt.ivecs" --concurrency "$clients" --ef "$ef" --json "$work/http-$ef.json"
  printf 'ef %-4s   1 client:  ' "$ef"
  measure 5000 --collection bench --gt "$stem.$metric.gt.ivecs" --concurrency 1 --ef "$ef"
done

# The same requests against an empty collection with the same vector config: everything a query
# costs except the search itself (HTTP, JSON in and out, routing, validation) — the floor under
# any HTTP figure on this machine.
dim=$(python3 -c "import struct,sys; print(struct.unpack('<i', open(sys.argv[1],'rb').read(4))[0])" "$stem.queries.fvecs")
distance=$(python3 -c "print({'cosine':'Cosine','dot':'Dot','l2':'Euclid'}['$metric'])")
curl -sf -X PUT "$url/collections/floor" -H 'content-type: application/json' \
    -d "{\"vectors\":{\"dense\":{\"size\":$dim,\"distance\":\"$distance\"}}}" > /dev/null
printf 'empty    %3s clients: ' "$clients"
measure 40000 --collection floor --concurrency "$clients"

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
