#!/usr/bin/env python3
"""Every platform procedure at 32 clients (or `--clients N`): `campus-search bench trpc` against a fresh server on loopback.

Sets up a data directory (an organisation, an instructor, a superadmin, a student, 20 courses, one indexed text
file, one test job), starts the server, and runs each query and the repeatable mutations for 3 s (`--duration`) with 32 clients,
printing req/s and p50/p95/p99. Usage:

  python3 Benchmarks/load/trpc_sweep.py .build/release/campus-search [procedure,procedure,...] [--clients N] [--duration S]
"""
import argparse, json, subprocess, sys, time, urllib.parse, requests, os
ap = argparse.ArgumentParser()
ap.add_argument("binary"); ap.add_argument("procedures", nargs="?")
ap.add_argument("--clients", type=int, default=32); ap.add_argument("--duration", type=int, default=3)
opts = ap.parse_args()
B = opts.binary; D = "/tmp/campus-trpc-sweep"; PORT = 6482; URL = f"http://127.0.0.1:{PORT}"
subprocess.run(["rm", "-rf", D])
def cli(*a): return json.loads(subprocess.run([B, *a, "--data-dir", D], capture_output=True, text=True, check=True).stdout)
org = cli("admin", "create-organization", "--name", "Sweep Academy", "--tier", "premium")
def user(email, role): return cli("admin", "create-user", "--organization", org["id"], "--email", email, "--role", role)
ins, sup, stu = user("i@s.test", "instructor"), user("s@s.test", "superadmin"), user("st@s.test", "student")
def tok(u): return subprocess.run([B, "token", "--user", u["id"], "--ttl", "7200", "--data-dir", D], capture_output=True, text=True, check=True).stdout.strip()
TI, TS = tok(ins), tok(sup)
srv = subprocess.Popen([B, "serve", "--data-dir", D, "--port", str(PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "CAMPUS_SEARCH_EMBEDDING_THREADS": "2"})
for _ in range(100):
    try: requests.get(URL + "/healthz", timeout=1); break
    except Exception: time.sleep(0.1)
H = lambda t: {"Authorization": f"Bearer {t}"}
courses = [requests.post(URL + "/trpc/courses.create", json={"title": f"Course {i}"}, headers=H(TI)).json()["result"]["data"] for i in range(20)]
cid = courses[0]["id"]
up = requests.post(URL + "/trpc/generation.uploadFile", headers=H(TI), data={"courseId": cid},
                   files={"file": ("notes.txt", b"Raft elects a leader. The leader replicates log entries to followers.\n" * 20, "text/plain")}).json()
fid = up["result"]["data"]["fileId"]
while requests.get(URL + "/trpc/documents.get?input=" + urllib.parse.quote(json.dumps({"fileId": fid})), headers=H(TI)).json()["result"]["data"]["vectorStatus"] not in ("indexed", "failed"):
    time.sleep(0.1)
job = requests.post(URL + "/trpc/jobs.createTestJob", json={"message": "hi"}, headers=H(TI)).json()["result"]["data"]
jid = job.get("jobId") or job.get("id")
time.sleep(0.5)
cases = [
    ("generation.test", None, TI), ("billing.getUsage", None, TI), ("billing.getQuota", None, TI),
    ("courses.list", None, TI), ("courses.get", {"courseId": cid}, TI), ("jobs.list", {}, TI), ("jobs.getStatus", {"jobId": jid}, TI),
    ("documents.list", {"courseId": cid}, TI), ("documents.get", {"fileId": fid}, TI),
    ("search.chunks", {"courseId": cid, "query": "leader replicates"}, TI),
    ("admin.getCurrentUserRole", None, TS), ("admin.listOrganizations", None, TS), ("admin.listUsers", None, TS),
    ("admin.listCourses", None, TS), ("admin.getStatistics", None, TS), ("admin.getOrganization", {"organizationId": org["id"]}, TS),
    ("courses.create", {"title": "Sweep course"}, TI), ("courses.update", {"courseId": courses[1]["id"], "title": "Renamed course"}, TI),
    ("admin.updateOrganization", {"organizationId": org["id"], "data": {"name": "Sweep Academy"}}, TS),
    ("admin.updateUserRole", {"userId": stu["id"], "role": "student"}, TS),
    ("admin.toggleUserActivation", {"userId": stu["id"], "isActive": True}, TS),
]
only = opts.procedures.split(",") if opts.procedures else None
try:
    for proc, inp, t in cases:
        if only and proc not in only: continue
        args = [B, "bench", "trpc", "--url", URL, "--token", t, "--procedure", proc, "--concurrency", str(opts.clients), "--duration", str(opts.duration), "--json", "/tmp/sw.json"]
        if inp is not None: args += ["--input", json.dumps(inp)]
        subprocess.run(args, capture_output=True, timeout=60)
        r = json.load(open("/tmp/sw.json"))
        print(f"{proc:28s} qps {r['qps']:8.0f}  p50 {r['p50_ms']:6.2f}  p95 {r['p95_ms']:6.2f}  p99 {r['p99_ms']:6.2f}  errors {r['errors']} {r.get('status_counts')}", flush=True)
finally:
    srv.terminate(); srv.wait()
