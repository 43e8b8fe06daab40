"""Real sentence embeddings for the dense benchmark, made with our own native MiniLM (`campus-search embed`):
the first 60,000 Debian passages of Benchmarks/data/debian-corpus.jsonl and 1,000 queries, plus exact cosine
ground truth. (make_real_embeddings.py does the same with sentence-transformers; the vectors agree to ~1e-7.)

    python3 Benchmarks/corpus/make_debian_corpus.py
    swift build -c release --product campus-search
    python3 Benchmarks/datasets/make_native_embeddings.py
"""
import json, subprocess, numpy as np, time, sys
docs = [json.loads(l)["text"] for l in open('Benchmarks/data/debian-corpus.jsonl')][:60000]
queries = [json.loads(l)["query"] for l in open('Benchmarks/data/debian-queries.jsonl')][:1000]
texts = docs + queries
t = time.time()
p = subprocess.run(['.build/release/campus-search', 'embed', '--threads', '2', '--batch', '32'],
                   input="\n".join(json.dumps({"text": x}) for x in texts).encode(), capture_output=True, check=True)
emb = np.array([json.loads(l)["embedding"] for l in p.stdout.decode().splitlines()], dtype=np.float32)
print("embedded", len(emb), "in", round(time.time() - t), "s", flush=True)
def fvecs(path, a):
    n, d = a.shape; out = np.empty((n, d + 1), dtype=np.float32)
    out[:, 0] = np.frombuffer(np.int32(d).tobytes(), dtype=np.float32)[0]; out[:, 1:] = a; out.tofile(path)
base, q = emb[:len(docs)], emb[len(docs):]
fvecs('Benchmarks/data/debian-minilm-native.base.fvecs', base); fvecs('Benchmarks/data/debian-minilm-native.queries.fvecs', q)
gt = np.argsort(-(q @ base.T), axis=1)[:, :10].astype(np.int32)
out = np.empty((len(q), 11), dtype=np.int32); out[:, 0] = 10; out[:, 1:] = gt; out.tofile('Benchmarks/data/debian-minilm-native.cosine.gt.ivecs')
print("done", flush=True)
