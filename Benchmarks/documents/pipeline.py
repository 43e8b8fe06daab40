#!/usr/bin/env python3
"""The documents pipeline and course search, measured over real HTTP against a release server.

  python3 Benchmarks/documents/pipeline.py [--runs 5] [--synthetic 100000] [--queries 200]

1. `report.pdf` (10 pages, ~5,000 words) uploaded as multipart/form-data, `--runs` times, each into a new
   organisation (inside one organisation identical bytes are copied): the upload's acknowledgement time, the time
   from acknowledgement to `indexed`, and chunks per second. Run 1 embeds every chunk (`pdf_cold`); later runs
   extract and chunk again but find the chunks' embeddings in the shared embedding cache (`pdf`, medians).
2. `search.chunks` with one client: cache misses (distinct queries) and hits (the same query again), p50/p95,
   on the course of run 1, after `--synthetic` extra points with random unit vectors and BM25 terms were
   written into `course_embeddings` under that course (the collection's size is what a 100k-chunk course costs).
3. Peak RSS of the server during a 100 MB octet-stream upload (`--big-upload-mb`, 0 to skip).

Prints one JSON object; medians over runs.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
os.environ.setdefault("CAMPUS_SEARCH_BIN", os.path.join(ROOT, ".build-release", "release", "campus-search"))
from conftest import Server, _binary  # noqa: E402


def cli(server, *args):
    done = subprocess.run([_binary(), *args, "--data-dir", server.data_dir], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout.strip()


def world(server, name):
    organization = json.loads(cli(server, "admin", "create-organization", "--name", name, "--tier", "premium"))
    user = json.loads(cli(server, "admin", "create-user", "--organization", organization["id"], "--email",
                          f"{organization['id'][:8]}@bench.test", "--role", "instructor"))
    token = cli(server, "token", "--user", user["id"], "--ttl", "7200")
    course = requests.post(f"{server.url}/trpc/courses.create", json={"title": name}, headers={"Authorization": f"Bearer {token}"},
                           timeout=30).json()["result"]["data"]
    return organization, token, course


def get(server, path, data, token):
    url = f"{server.url}/trpc/{path}?input=" + urllib.parse.quote(json.dumps(data))
    return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--big-upload-mb", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1, help="CAMPUS_SEARCH_EMBEDDING_THREADS for the server")
    args = parser.parse_args()

    with open(os.path.join(ROOT, "Tests", "DocumentsTests", "Fixtures", "report.pdf"), "rb") as f:
        pdf = f.read()
    server = Server(extra_env={"CAMPUS_SEARCH_EMBEDDING_THREADS": str(args.threads)}).start()
    out = {"binary": _binary(), "embedding_threads": args.threads}
    try:
        acks, searchable, rates, chunks = [], [], [], 0
        first = None
        for run in range(args.runs):
            organization, token, course = world(server, f"Bench Org {run}")
            if first is None:
                # One query embedding first, so the model's weights are paged in before the clock starts.
                get(server, "search.chunks", {"courseId": course["id"], "query": "warm up"}, token)
            first = first or (organization, token, course)
            started = time.perf_counter()
            answer = requests.post(f"{server.url}/trpc/generation.uploadFile", headers={"Authorization": f"Bearer {token}"},
                                   data={"courseId": course["id"]}, files={"file": ("report.pdf", pdf, "application/pdf")}, timeout=120)
            acked = time.perf_counter()
            file_id = answer.json()["result"]["data"]["fileId"]
            while True:
                row = get(server, "documents.get", {"fileId": file_id}, token).json()["result"]["data"]
                if row["vectorStatus"] in ("indexed", "failed"):
                    break
                time.sleep(0.005)
            done = time.perf_counter()
            assert row["vectorStatus"] == "indexed", row
            chunks = row["chunkCount"]
            acks.append((acked - started) * 1000)
            searchable.append(done - acked)
            rates.append(chunks / (done - acked))
        out["pdf_cold"] = {"searchable_after_ack_s": round(searchable[0], 3), "chunks_per_second": round(rates[0], 1),
                           "upload_ack_ms": round(acks[0], 1)}
        out["pdf"] = {"pages": 10, "bytes": len(pdf), "chunks": chunks, "runs": args.runs,
                      "upload_ack_ms_median": round(statistics.median(acks), 1),
                      "searchable_after_ack_s_median": round(statistics.median(searchable), 3),
                      "searchable_after_ack_s_max": round(max(searchable), 3),
                      "chunks_per_second_median": round(statistics.median(rates), 1)}

        organization, token, course = first
        if args.synthetic > 0:
            rng = random.Random(7)
            vocabulary = [rng.randrange(1, 2**31) for _ in range(5000)]
            written, started = 0, time.perf_counter()
            while written < args.synthetic:
                batch = []
                for i in range(min(1000, args.synthetic - written)):
                    vector = [rng.gauss(0, 1) for _ in range(384)]
                    terms = sorted(set(rng.choice(vocabulary) for _ in range(20)))
                    batch.append({"id": f"00000000-0000-4000-8000-{written + i:012d}",
                                  "vector": {"dense": vector, "sparse": {"indices": terms, "values": [1.0] * len(terms)}},
                                  "payload": {"course_id": course["id"], "organization_id": organization["id"], "level": "child",
                                              "document_id": "00000000-0000-4000-8000-000000000000",
                                              "content": f"synthetic chunk {written + i}", "chunk_id": f"synthetic-{written + i}"}})
                answer = requests.put(f"{server.url}/collections/course_embeddings/points?wait=true", json={"points": batch}, timeout=600)
                assert answer.status_code == 200, answer.text
                written += len(batch)
            out["synthetic_points"] = {"count": written, "write_s": round(time.perf_counter() - started, 1)}
        words = ["quorum", "replication", "consensus", "clocks", "leader", "raft", "paxos", "failure", "latency", "runbook",
                 "incident", "partition", "commit", "log", "snapshot", "membership", "heartbeat", "election", "lease", "shard"]
        rng = random.Random(11)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"

        def search(text):
            url = f"{server.url}/trpc/search.chunks?input=" + urllib.parse.quote(json.dumps({"courseId": course["id"], "query": text}))
            started = time.perf_counter()
            answer = session.get(url, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, answer.text
            return elapsed, answer.json()["result"]["data"]["metadata"]["cached"]

        for _ in range(20):
            search("warm up " + " ".join(rng.sample(words, 3)))
        misses, hits = [], []
        for i in range(args.queries):
            text = f"{' '.join(rng.sample(words, 4))} {i}"
            elapsed, cached = search(text)
            assert not cached
            misses.append(elapsed)
            elapsed, cached = search(text)
            assert cached
            hits.append(elapsed)
        # Cache hits measured by the native load tool (its HTTP client costs a few µs, Python's ~1 ms).
        hit_input = json.dumps({"courseId": course["id"], "query": "quorum replication"})
        search("quorum replication")
        report = os.path.join(server.data_dir, "hit.json")
        subprocess.run([_binary(), "bench", "trpc", "--url", server.url, "--token", token, "--procedure", "search.chunks",
                        "--input", hit_input, "--concurrency", "1", "--duration", "5", "--json", report],
                       check=True, capture_output=True, timeout=120)
        with open(report) as f:
            native = json.load(f)
        out["search_chunks_hit_native_client"] = native
        out["search_chunks"] = {"queries": args.queries, "collection_points": (args.synthetic or 0) + chunks * args.runs,
                                "miss_ms_p50": round(percentile(misses, 50), 2), "miss_ms_p95": round(percentile(misses, 95), 2),
                                "hit_ms_p50": round(percentile(hits, 50), 3), "hit_ms_p95": round(percentile(hits, 95), 3)}

        if args.big_upload_mb > 0:
            size = args.big_upload_mb * 1_000_000
            peak = [rss_kib(server.process.pid)]
            before = peak[0]
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    peak[0] = max(peak[0], rss_kib(server.process.pid))
                    time.sleep(0.01)

            # 100 MB of bytes that are not text (the pipeline fails the file; the upload stands), streamed from a file.
            big = os.path.join(server.data_dir, "big-upload.bin")
            with open(big, "wb") as f:
                piece = bytes(range(256)) * 4096
                for _ in range(size // len(piece)):
                    f.write(piece)
                f.write(piece[:size % len(piece)])
            sampler = threading.Thread(target=sample)
            sampler.start()
            params = urllib.parse.quote(json.dumps({"courseId": course["id"], "filename": "big.txt", "mimeType": "text/plain"}))
            started = time.perf_counter()
            with open(big, "rb") as f:
                answer = requests.post(f"{server.url}/trpc/generation.uploadFile?input={params}", data=f,
                                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}, timeout=600)
            elapsed = time.perf_counter() - started
            stop.set()
            sampler.join()
            out["big_upload"] = {"status": answer.status_code, "answer": answer.text[:300], "bytes": size, "seconds": round(elapsed, 2), "rss_before_mib": round(before / 1024, 1),
                                 "rss_peak_mib": round(peak[0] / 1024, 1), "rss_growth_mib": round((peak[0] - before) / 1024, 1)}
    finally:
        server.cleanup()
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
