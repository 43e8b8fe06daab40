#!/usr/bin/env python3
"""One-client search latency of two servers, request by request in turn, so machine drift hits both alike.

    python3 Benchmarks/load/interleaved_ab.py --a http://127.0.0.1:PORT_A --b http://127.0.0.1:PORT_B \
        --queries Benchmarks/data/synthetic-100000x384.queries.fvecs [--collection bench] [--vector-name dense] [--ef 100] [--requests 10000]

Each side gets the same query bodies in the same order over its own keep-alive connection; the client's own cost
(Python, ≈ 50–100 µs) is in both figures alike. Prints p50/p95/p99 per side, the median of the per-pair
differences, and how often B was the slower of a pair.
"""
import argparse, http.client, json, statistics, struct, time, urllib.parse


def read_fvecs(path):
    rows = []
    with open(path, "rb") as f:
        while head := f.read(4):
            (dim,) = struct.unpack("<i", head)
            rows.append(struct.unpack(f"<{dim}f", f.read(4 * dim)))
    return rows


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def timed(conn, path, body):
    start = time.perf_counter_ns()
    conn.request("POST", path, body, {"content-type": "application/json"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter_ns() - start
    if response.status != 200:
        raise SystemExit(f"status {response.status}")
    return elapsed / 1000


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--collection", default="bench")
    ap.add_argument("--vector-name", default="dense", help='the vector to query ("" for the unnamed vector)')
    ap.add_argument("--ef", type=int, default=100)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--warmup", type=int, default=1000)
    args = ap.parse_args()
    def body(q):
        request = {"query": list(q), "limit": 10, "with_payload": False, "with_vector": False, "params": {"hnsw_ef": args.ef}}
        if args.vector_name:
            request["using"] = args.vector_name
        return json.dumps(request).encode()
    bodies = [body(q) for q in read_fvecs(args.queries)]
    path = f"/collections/{args.collection}/points/query"
    a, b = connect(args.a), connect(args.b)
    for i in range(args.warmup):
        timed(a, path, bodies[i % len(bodies)]); timed(b, path, bodies[i % len(bodies)])
    ta, tb = [], []
    for i in range(args.requests):
        body = bodies[i % len(bodies)]
        if i % 2 == 0:
            ta.append(timed(a, path, body)); tb.append(timed(b, path, body))
        else:
            tb.append(timed(b, path, body)); ta.append(timed(a, path, body))
    diffs = [y - x for x, y in zip(ta, tb)]
    for name, t in (("A", ta), ("B", tb)):
        print(f"{name}: p50 {pct(t, 0.5):.0f} µs  p95 {pct(t, 0.95):.0f} µs  p99 {pct(t, 0.99):.0f} µs  mean {statistics.fmean(t):.0f} µs")
    print(f"B − A per pair: median {statistics.median(diffs):+.1f} µs  (B slower in {sum(d > 0 for d in diffs) / len(diffs):.0%} of {len(diffs)} pairs)"
          f"  p50 ratio B/A {pct(tb, 0.5) / pct(ta, 0.5):.3f}")


if __name__ == "__main__":
    main()
