#!/usr/bin/env python3
"""How long `/metrics` and the dashboard's JSON endpoints take to answer, with every metric family populated.

Starts a real server (release build by default), creates N collections with points, a sparse vector and a
payload index, queries each (dense, sparse, filtered, hybrid), calls tRPC and the embedding path so the tRPC,
cache and embedding families exist, then times R sequential keep-alive GETs of each endpoint and prints the
median and p95 of the whole round trip (client included: an upper bound on the server's time) and the body size.

    python3 Benchmarks/observability/scrape.py --collections 100 --requests 500
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(conn, method, path, body=None):
    data = None if body is None else json.dumps(body)
    conn.request(method, path, body=data, headers={"content-type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    return response.status, payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "campus-search"))
    parser.add_argument("--collections", type=int, default=100)
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="campus-scrape-")
    port = free_port()
    env = dict(os.environ, CAMPUS_SEARCH_LOG_LEVEL="error",
               CAMPUS_SEARCH_MODEL_DIR=os.path.join(ROOT, "data", "models", "all-MiniLM-L6-v2"))
    server = subprocess.Popen([args.bin, "serve", "--data-dir", data_dir, "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        deadline = time.time() + 60
        while True:
            try:
                if call(conn, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if time.time() > deadline:
                raise SystemExit("server did not become ready")
            time.sleep(0.05)

        for c in range(args.collections):
            name = f"c{c:03d}"
            call(conn, "PUT", f"/collections/{name}", {
                "vectors": {"dense": {"size": 8, "distance": "Cosine"}},
                "sparse_vectors": {"text": {}},
            })
            call(conn, "PUT", f"/collections/{name}/index", {"field_name": "group", "field_schema": "keyword"})
            points = [{"id": i, "vector": {"dense": [((i * 7 + j) % 11) + 1.0 for j in range(8)],
                                           "text": {"indices": [i % 13, 20 + i % 5], "values": [1.0, 0.5]}},
                       "payload": {"group": f"g{i % 4}"}} for i in range(args.points)]
            status, _ = call(conn, "PUT", f"/collections/{name}/points?wait=true", {"points": points})
            assert status == 200, status
            vector = [1.0] * 8
            call(conn, "POST", f"/collections/{name}/points/query", {"query": vector, "using": "dense", "limit": 5})
            call(conn, "POST", f"/collections/{name}/points/query",
                 {"query": {"indices": [1, 21], "values": [1.0, 1.0]}, "using": "text", "limit": 5})
            call(conn, "POST", f"/collections/{name}/points/query", {
                "prefetch": [{"query": vector, "using": "dense", "limit": 10},
                             {"query": {"indices": [1], "values": [1.0]}, "using": "text", "limit": 10}],
                "query": {"fusion": "rrf"}, "limit": 5,
                "filter": {"must": [{"key": "group", "match": {"value": "g1"}}]}})
            call(conn, "POST", f"/collections/{name}/points/scroll", {"limit": 3})
            call(conn, "POST", f"/collections/{name}/points/count", {})
        call(conn, "GET", "/trpc/generation.test")
        call(conn, "GET", "/trpc/courses.list")
        call(conn, "POST", "/collections/c000/points/query",
             {"query": {"nearest": {"text": "warm up the embedding cache", "model": "qdrant/bm25"}}, "using": "text"})

        endpoints = ["/metrics", "/dashboard/api/overview", "/dashboard/api/routes", "/dashboard/api/jobs",
                     "/dashboard/api/collections", "/dashboard/api/caches"]
        print(f"{args.collections} collections × {args.points} points, {args.requests} sequential requests each")
        print(f"{'endpoint':28} {'status':>6} {'bytes':>9} {'median ms':>10} {'p95 ms':>8}")
        results = {}
        for path in endpoints:
            for _ in range(20):
                call(conn, "GET", path)
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                status, body = call(conn, "GET", path)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            median = statistics.median(times)
            p95 = times[int(len(times) * 0.95) - 1]
            results[path] = {"status": status, "bytes": len(body), "median_ms": median, "p95_ms": p95}
            print(f"{path:28} {status:>6} {len(body):>9} {median:>10.3f} {p95:>8.3f}")
        families = sum(1 for line in call(conn, "GET", "/metrics")[1].decode().splitlines() if line.startswith("# TYPE"))
        print(f"/metrics families: {families}")
        baseline = []
        for _ in range(args.requests):
            start = time.perf_counter()
            call(conn, "GET", "/healthz")
            baseline.append((time.perf_counter() - start) * 1000)
        print(f"{'/healthz (round-trip floor)':28} {'':>6} {'':>9} {statistics.median(baseline):>10.3f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
