#!/usr/bin/env python3
"""kill -9 soak: random writes against a real server, random SIGKILLs, restart, verify every acknowledged write.

Each of --clients threads owns its own id range and keeps at most one request in flight, so after a kill
every point is in exactly one of two states: the one its last acknowledged write left (the model), or the
one the write in flight would leave. Anything else — a lost acknowledged write, a half-applied write, a
torn point, a server that does not come back — fails the run.

    python3 Benchmarks/soak/kill9_soak.py [--bin .build/release/campus-search] [--rounds 20] [--clients 4]
        [--ids 50] [--min-run 0.3] [--max-run 2.5] [--seed 1] [--json OUT]

Writes: upserts (wait=true and wait=false), deletes by id, set_payload (merge and at a key),
overwrite_payload, payload key deletes. Prints one line per round and a summary (also as JSON).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

DIM = 8


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method, path, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


class Server:
    def __init__(self, binary, data_dir):
        self.binary, self.data_dir = binary, data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        env = dict(os.environ, CAMPUS_SEARCH_LOG_LEVEL="error", CAMPUS_SEARCH_MODEL_DIR="/nonexistent",
                   CAMPUS_SEARCH_CHECKPOINT_SECONDS="1", CAMPUS_SEARCH_CHECKPOINT_VECTORS="200")
        started = time.time()
        self.process = subprocess.Popen([self.binary, "serve", "--data-dir", self.data_dir, "--port", str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while time.time() - started < 120:
            if self.process.poll() is not None:
                raise RuntimeError("server exited at start: " + self.process.stderr.read().decode(errors="replace"))
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        return time.time() - started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("server did not become ready")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def vector_for(rng):
    v = [rng.uniform(-1, 1) for _ in range(DIM)]
    v[0] = abs(v[0]) + 0.1  # never the zero vector
    return v


def apply(state, op):
    """The point state (None = absent, else (vector, payload)) after `op`."""
    kind = op["kind"]
    if kind == "upsert":
        return (op["vector"], dict(op["payload"]))
    if kind == "delete":
        return None
    if state is None:
        return None
    vector, payload = state[0], dict(state[1])
    if kind == "set":
        if op.get("key"):
            node = payload
            parts = op["key"].split(".")
            for part in parts:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                node[part] = child
                node = child
            node.update(op["payload"])
        else:
            payload.update(op["payload"])
    elif kind == "overwrite":
        payload = dict(op["payload"])
    elif kind == "delete_keys":
        for key in op["keys"]:
            payload.pop(key, None)
    return (vector, payload)


def request_for(op, pid):
    kind = op["kind"]
    wait = "?wait=true" if op["wait"] else ""
    if kind == "upsert":
        return "PUT", f"/collections/soak/points{wait}", {"points": [{"id": pid, "vector": op["vector"], "payload": op["payload"]}]}
    if kind == "delete":
        return "POST", f"/collections/soak/points/delete{wait}", {"points": [pid]}
    if kind == "set":
        body = {"payload": op["payload"], "points": [pid]}
        if op.get("key"):
            body["key"] = op["key"]
        return "POST", f"/collections/soak/points/payload{wait}", body
    if kind == "overwrite":
        return "PUT", f"/collections/soak/points/payload{wait}", {"payload": op["payload"], "points": [pid]}
    return "POST", f"/collections/soak/points/payload/delete{wait}", {"keys": op["keys"], "points": [pid]}


def random_op(rng, counter):
    kind = rng.choices(["upsert", "delete", "set", "overwrite", "delete_keys"], [5, 1, 2, 1, 1])[0]
    op = {"kind": kind, "wait": rng.random() < 0.5}
    if kind == "upsert":
        op["vector"] = vector_for(rng)
        op["payload"] = {"n": counter, "tag": rng.choice(["a", "b", "c"])}
    elif kind == "set":
        op["payload"] = {"s": counter}
        if rng.random() < 0.3:
            op["key"] = rng.choice(["meta", "meta.deep"])
    elif kind == "overwrite":
        op["payload"] = {"o": counter}
    elif kind == "delete_keys":
        op["keys"] = [rng.choice(["n", "s", "tag", "meta"])]
    return op


class Client(threading.Thread):
    def __init__(self, url, ids, model, rng, stop):
        super().__init__(daemon=True)
        self.url, self.ids, self.model, self.rng, self.stop = url, ids, model, rng, stop
        self.in_flight = None  # (pid, op)
        self.acknowledged = 0
        self.counter = 0

    def run(self):
        while not self.stop.is_set():
            pid = self.rng.choice(self.ids)
            self.counter += 1
            op = random_op(self.rng, self.counter)
            self.in_flight = (pid, op)
            method, path, body = request_for(op, pid)
            try:
                answer = call(self.url, method, path, body)
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                return  # the server was killed: this op stays "in flight"
            if answer.get("status") != "ok":
                raise RuntimeError(f"refused: {answer}")
            self.model[pid] = apply(self.model.get(pid), op)
            self.in_flight = None
            self.acknowledged += 1


def close(a, b):
    return a is not None and b is not None and len(a) == len(b) and all(abs(x - y) < 1e-4 * max(1.0, abs(y)) for x, y in zip(a, b))


def normalised(v):
    n = sum(x * x for x in v) ** 0.5
    return [x / n for x in v]


def same_state(actual, expected):
    if expected is None or actual is None:
        return actual is None and expected is None
    return close(actual[0], normalised(expected[0])) and actual[1] == expected[1]


def read_all(url, ids):
    records = call(url, "POST", "/collections/soak/points", {"ids": ids, "with_payload": True, "with_vector": True})["result"]
    return {r["id"]: (r["vector"], r["payload"]) for r in records}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release/campus-search")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--ids", type=int, default=50, help="ids per client")
    parser.add_argument("--min-run", type=float, default=0.3)
    parser.add_argument("--max-run", type=float, default=2.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data_dir = tempfile.mkdtemp(prefix="campus-soak-")
    model = {}
    totals = {"rounds": 0, "acknowledged": 0, "uncertain": 0, "in_flight_applied": 0, "violations": 0, "restart_seconds": []}
    try:
        server = Server(args.bin, data_dir)
        totals["restart_seconds"].append(server.start())
        call(server.url, "PUT", "/collections/soak", {"vectors": {"size": DIM, "distance": "Cosine"}})
        for round_number in range(1, args.rounds + 1):
            stop = threading.Event()
            clients = [Client(server.url, list(range(c * args.ids + 1, (c + 1) * args.ids + 1)), model, random.Random(rng.random()), stop)
                       for c in range(args.clients)]
            for c in clients:
                c.start()
            time.sleep(rng.uniform(args.min_run, args.max_run))
            server.kill()
            stop.set()
            for c in clients:
                c.join(timeout=15)
            server = Server(args.bin, data_dir)
            restart = server.start()
            totals["restart_seconds"].append(restart)
            all_ids = list(range(1, args.clients * args.ids + 1))
            actual = read_all(server.url, all_ids)
            violations = 0
            for c in clients:
                pending = dict([c.in_flight]) if c.in_flight else {}
                for pid in c.ids:
                    expected = model.get(pid)
                    got = actual.get(pid)
                    if same_state(got, expected):
                        continue
                    if pid in pending and same_state(got, apply(expected, pending[pid])):
                        model[pid] = apply(expected, pending[pid])  # the in-flight write landed
                        totals["in_flight_applied"] += 1
                        continue
                    violations += 1
                    print(f"  VIOLATION id {pid}: expected {expected} (or in-flight {pending.get(pid)}), got {got}", file=sys.stderr)
                totals["uncertain"] += 1 if c.in_flight else 0
            acknowledged = sum(c.acknowledged for c in clients)
            totals["acknowledged"] += acknowledged
            totals["violations"] += violations
            totals["rounds"] = round_number
            print(f"round {round_number}: {acknowledged} writes acknowledged, killed, restarted in {restart:.2f} s, "
                  f"{len(actual)} points checked, {violations} violations", flush=True)
        server.kill()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    restarts = sorted(totals["restart_seconds"])
    summary = {
        "rounds": totals["rounds"], "acknowledged_writes": totals["acknowledged"], "violations": totals["violations"],
        "writes_in_flight_at_kill": totals["uncertain"], "in_flight_writes_found_applied": totals["in_flight_applied"],
        "restart_p50_s": restarts[len(restarts) // 2], "restart_max_s": restarts[-1],
    }
    print(json.dumps(summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    sys.exit(1 if totals["violations"] else 0)


if __name__ == "__main__":
    main()
