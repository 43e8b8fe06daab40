#!/usr/bin/env python3
"""BullMQ peer for `campus-search bench jobs`: the same no-op workload on BullMQ's Python client and Redis.

Starts Debian's redis-server on a free loopback port (AOF on, `appendfsync everysec`, then a fresh
server with `always`), enqueues N no-op jobs in bursts of B concurrent `Queue.add` calls (each burst
acknowledged before the next), runs them with one Worker of concurrency C, and prints the keys
`bench jobs` prints: enqueue_per_s, end_to_end_jobs_per_s, latency_p50_ms, latency_p95_ms (enqueue →
the worker's `completed` event, which follows Redis's reply to moveToCompleted), enqueue_p50_ms,
enqueue_p95_ms, single_enqueue_p50_ms, single_enqueue_p95_ms.

    pip install bullmq && apt-get install redis-server
    python3 Benchmarks/peers/bullmq_peer.py --jobs 20000 --concurrency 256 [--json OUT]
"""
import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

from bullmq import Queue, Worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def start_redis(fsync: str):
    port = free_port()
    directory = tempfile.mkdtemp(prefix="bullmq-peer-")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
         "--appendonly", "yes", "--appendfsync", fsync, "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return process, port, directory
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("redis-server did not start")


async def run(port: int, jobs: int, concurrency: int, burst: int, singles: int):
    connection = f"redis://127.0.0.1:{port}"
    name = "bench"
    queue = Queue(name, {"connection": connection})
    started = {}
    completed = {}
    done = asyncio.Event()

    async def process(job, token):
        return None

    worker = Worker(name, process, {"connection": connection, "concurrency": concurrency})

    def on_completed(job, result):
        if job.id not in completed:
            completed[job.id] = time.monotonic_ns()
            if len(completed) >= jobs:
                done.set()

    worker.on("completed", on_completed)

    async def add(n):
        t0 = time.monotonic_ns()
        started[str(n)] = t0
        await queue.add("noop", {}, {"jobId": str(n)})
        return time.monotonic_ns() - t0

    enqueue_latencies = []
    begin = time.monotonic_ns()
    for first in range(0, jobs, burst):
        enqueue_latencies += await asyncio.gather(*(add(n) for n in range(first, min(jobs, first + burst))))
    enqueue_seconds = (time.monotonic_ns() - begin) / 1e9
    await asyncio.wait_for(done.wait(), timeout=3600)
    end_to_end_seconds = (max(completed.values()) - begin) / 1e9
    latencies = [completed[k] - started[k] for k in completed if k in started]

    single = []
    for n in range(singles):
        t0 = time.monotonic_ns()
        await queue.add("noop", {}, {"jobId": f"single-{n}"})
        single.append(time.monotonic_ns() - t0)
    await worker.close()
    await queue.close()
    ms = lambda ns: None if ns is None else ns / 1e6
    return {
        "jobs": jobs, "concurrency": concurrency, "burst": burst,
        "enqueue_per_s": jobs / enqueue_seconds,
        "end_to_end_jobs_per_s": jobs / end_to_end_seconds,
        "latency_p50_ms": ms(percentile(latencies, 50)), "latency_p95_ms": ms(percentile(latencies, 95)),
        "enqueue_p50_ms": ms(percentile(enqueue_latencies, 50)), "enqueue_p95_ms": ms(percentile(enqueue_latencies, 95)),
        "single_enqueue_p50_ms": ms(percentile(single, 50)), "single_enqueue_p95_ms": ms(percentile(single, 95)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--single-enqueues", type=int, default=1000)
    parser.add_argument("--fsync", choices=["everysec", "always", "both"], default="both")
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {}
    for fsync in (["everysec", "always"] if args.fsync == "both" else [args.fsync]):
        process, port, directory = start_redis(fsync)
        try:
            result = asyncio.run(run(port, args.jobs, args.concurrency, args.burst, args.single_enqueues))
        finally:
            process.terminate()
            process.wait(timeout=10)
            shutil.rmtree(directory, ignore_errors=True)
        result["engine"] = f"bullmq (redis appendfsync {fsync})"
        results[fsync] = result
        print(f"bullmq, appendfsync {fsync}: {args.jobs} no-op jobs, concurrency {args.concurrency}, bursts of {args.burst}")
        print(f"  enqueue {result['enqueue_per_s']:.0f} jobs/s  per call in bursts p50 {result['enqueue_p50_ms']:.2f} ms "
              f"p95 {result['enqueue_p95_ms']:.2f} ms  alone p50 {result['single_enqueue_p50_ms']:.3f} ms p95 {result['single_enqueue_p95_ms']:.3f} ms")
        print(f"  end to end {result['end_to_end_jobs_per_s']:.0f} jobs/s  enqueue→completed p50 {result['latency_p50_ms']:.2f} ms "
              f"p95 {result['latency_p95_ms']:.2f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
