#!/usr/bin/env bash
# Two servers loaded at the same time, each by its own `bench http` with the same settings, so both see the same
# machine: the kernel shares the cores between them, and the QPS ratio is the ratio of their efficiency. Sequential
# A/B runs on this machine drift by ±10 % between runs; here drift hits both sides alike.
#
#   Benchmarks/load/concurrent_ab.sh BIN_A DIR_A ENV_A BIN_B DIR_B ENV_B [ROUNDS] [-- bench http options]
#   e.g. metrics on against off, each server on its own copy of the 100k collection:
#   Benchmarks/load/concurrent_ab.sh BIN d1 CAMPUS_SEARCH_METRICS=on BIN d2 CAMPUS_SEARCH_METRICS=off 6
#
# DIR_A and DIR_B hold the collection `bench` (`campus-search load --collection bench --data-dir DIR …`). Default
# load: 32 clients, ef 100, 20,000 queries each from Benchmarks/data/synthetic-100000x384.queries.fvecs. Both
# servers are started afresh for every round, in swapped order (two instances of the same build differ by a few per cent for as long
# as they run), and the loads swap their start order every round. Prints each round's QPS and each server's CPU time per request (from
# /proc; unlike QPS it does not depend on which side finished first and ran alone for its last requests), then
# the median ratios B/A.
set -euo pipefail
bin_a=$1 dir_a=$2 env_a=$3 bin_b=$4 dir_b=$5 env_b=$6; rounds=${7:-6}; shift $(( $# >= 7 ? 7 : 6 ))
[ "${1:-}" = "--" ] && shift
extra=("$@"); [ ${#extra[@]} -eq 0 ] && extra=(--concurrency 32 --ef 100 --requests 20000)
root=$(cd "$(dirname "$0")/../.." && pwd)
queries=$root/Benchmarks/data/synthetic-100000x384.queries.fvecs
work=$(mktemp -d /tmp/campus-cab.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # start both servers afresh (a pair of instances carries its own bias of a few per cent), warm them up
  port_a=$(free_port); port_b=$(free_port)
  local pa pb
  if (( $1 % 2 )); then
    env "$env_a" "$bin_a" serve --data-dir "$dir_a" --port "$port_a" > "$work/a.log" 2>&1 & pa=$!
    env "$env_b" "$bin_b" serve --data-dir "$dir_b" --port "$port_b" > "$work/b.log" 2>&1 & pb=$!
  else
    env "$env_b" "$bin_b" serve --data-dir "$dir_b" --port "$port_b" > "$work/b.log" 2>&1 & pb=$!
    env "$env_a" "$bin_a" serve --data-dir "$dir_a" --port "$port_a" > "$work/a.log" 2>&1 & pa=$!
  fi
  pids=("$pa" "$pb")
  for port in "$port_a" "$port_b"; do until curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; do sleep 0.05; done; done
  bench "$port_a" --concurrency 32 --requests 3000 > /dev/null; bench "$port_b" --concurrency 32 --requests 3000 > /dev/null
}
stop() { kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; pids=(); }
bench() { "$bin_b" bench http --url "http://127.0.0.1:$1" --collection bench --queries "$queries" "${@:2}" | tail -1; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
requests=$(python3 -c "import sys; a=sys.argv[1:]; print(a[a.index('--requests') + 1] if '--requests' in a else 1000)" "${extra[@]}")
ratios=(); cpu_ratios=()
for i in $(seq 1 "$rounds"); do
  start "$i"
  a0=$(cpu "${pids[0]}"); b0=$(cpu "${pids[1]}")
  if (( i % 2 )); then
    bench "$port_a" "${extra[@]}" > "$work/ra" & ca=$!; bench "$port_b" "${extra[@]}" > "$work/rb" & cb=$!
  else
    bench "$port_b" "${extra[@]}" > "$work/rb" & cb=$!; bench "$port_a" "${extra[@]}" > "$work/ra" & ca=$!
  fi
  wait "$ca" "$cb"
  a1=$(cpu "${pids[0]}"); b1=$(cpu "${pids[1]}")
  ua=$(( (a1 - a0) * 1000000 / $(getconf CLK_TCK) / requests )); ub=$(( (b1 - b0) * 1000000 / $(getconf CLK_TCK) / requests ))
  qa=$(awk '{for (i=1;i<NF;i++) if ($i=="QPS") print $(i+1)}' "$work/ra")
  qb=$(awk '{for (i=1;i<NF;i++) if ($i=="QPS") print $(i+1)}' "$work/rb")
  ratio=$(python3 -c "print(f'{$qb / $qa:.4f}')")
  stop
  ratios+=("$ratio"); cpu_ratios+=("$(python3 -c "print(f'{$ub / $ua:.4f}')")")
  echo "round $i: A $qa QPS $ua µs CPU/request, B $qb QPS $ub µs CPU/request, QPS B/A $ratio"
done
summary() { python3 -c "import statistics, sys; r=[float(x) for x in sys.argv[2:]]; print(f'median {sys.argv[1]} B/A {statistics.median(r):.4f} over {len(r)} rounds (min {min(r):.4f}, max {max(r):.4f})')" "$@"; }
summary QPS "${ratios[@]}"
summary "server CPU per request" "${cpu_ratios[@]}"
