"""End-to-end hybrid text search over HTTP: loads passages as text (server-side MiniLM + qdrant/bm25),
then times one-request hybrid text queries (dense + BM25 prefetches fused with RRF) on a cache miss and
on a cache hit.

    python3 Benchmarks/corpus/make_debian_corpus.py
    CAMPUS_SEARCH_EMBEDDING_THREADS=2 campus-search serve --data-dir /tmp/text-db --port 6402 &
    python3 Benchmarks/load/text_hybrid_e2e.py [URL] [N_PASSAGES]
"""
import json, time, requests, numpy as np, sys, os
URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:6402"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
docs = [json.loads(l) for l in open(os.path.join(DATA, 'debian-corpus.jsonl'))][:N]
queries = [json.loads(l)["query"] for l in open(os.path.join(DATA, 'debian-queries.jsonl'))][:300]
requests.put(URL + "/collections/docs", json={"vectors": {"dense": {"size": 384, "distance": "Cosine"}},
             "sparse_vectors": {"bm25": {"modifier": "idf"}}})
t0 = time.time()
for s in range(0, len(docs), 128):
    pts = [{"id": s + i, "vector": {"dense": {"text": d["text"], "model": MODEL}, "bm25": {"text": d["text"], "model": "qdrant/bm25"}}}
           for i, d in enumerate(docs[s:s + 128])]
    r = requests.put(URL + "/collections/docs/points?wait=false", json={"points": pts}, timeout=600)
    assert r.status_code == 200, r.text
    if s % 5120 == 0: print("loaded", s, "in", round(time.time() - t0), "s", flush=True)
requests.put(URL + "/collections/docs/points?wait=true", json={"points": pts}, timeout=600)
print("loaded", len(docs), "in", round(time.time() - t0), "s", flush=True)
def hybrid(q):
    return {"prefetch": [{"query": {"text": q, "model": MODEL}, "using": "dense", "limit": 20},
                         {"query": {"text": q, "model": "qdrant/bm25"}, "using": "bm25", "limit": 20}],
            "query": {"fusion": "rrf"}, "limit": 10}
s = requests.Session()
for label in ("cache miss", "cache hit"):
    lat = []
    for q in queries:
        t = time.perf_counter(); r = s.post(URL + "/collections/docs/points/query", json=hybrid(q)); lat.append(time.perf_counter() - t)
        assert r.status_code == 200
    lat = np.array(lat) * 1000
    print(f"{label}: {len(lat)} hybrid text queries over HTTP, p50 {np.median(lat):.2f} ms, p95 {np.percentile(lat, 95):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms", flush=True)
