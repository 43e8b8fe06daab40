"""Text in, vectors out: Qdrant inference objects through the real server (native MiniLM + qdrant/bm25)."""
import os

import pytest
import requests
from qdrant_client import QdrantClient, models

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DOCS = [
    "Swift variables and constants: let and var",
    "Vector databases index embeddings with HNSW graphs",
    "Cooking pasta: boil water, add salt, wait ten minutes",
    "Hybrid search fuses BM25 keyword scores with dense retrieval",
]

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(ROOT, "data/models/all-MiniLM-L6-v2/model.safetensors")),
    reason="model not downloaded (run make setup)")


@pytest.fixture(scope="module")
def client(server):
    c = QdrantClient(url=server.url, timeout=60, cloud_inference=True)
    c.create_collection("texts", vectors_config={"dense": models.VectorParams(size=384, distance=models.Distance.COSINE)},
                        sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)})
    r = requests.put(server.url + "/collections/texts/points?wait=true", json={"points": [
        {"id": i, "vector": {"dense": {"text": t, "model": MODEL}, "bm25": {"text": t, "model": "qdrant/bm25"}},
         "payload": {"text": t}} for i, t in enumerate(DOCS)]}, timeout=120)
    assert r.status_code == 200, r.text
    return c


def test_dense_text_query_finds_the_same_text(client, server):
    r = requests.post(server.url + "/collections/texts/points/query", json={
        "query": {"nearest": {"text": DOCS[1], "model": MODEL}}, "using": "dense", "limit": 2}, timeout=60)
    assert r.status_code == 200, r.text
    top = r.json()["result"]["points"][0]
    assert top["id"] == 1 and top["score"] == pytest.approx(1.0, abs=1e-4)
    stored = client.retrieve("texts", [1], with_vectors=["dense"])[0].vector["dense"]
    assert len(stored) == 384 and sum(x * x for x in stored) == pytest.approx(1.0, abs=1e-4)


def test_semantic_query(client, server):
    r = requests.post(server.url + "/collections/texts/points/query", json={
        "query": {"text": "how do I cook spaghetti", "model": MODEL}, "using": "dense", "limit": 1}, timeout=60)
    assert r.json()["result"]["points"][0]["id"] == 2


def test_bm25_vectors_match_fastembed_term_ids(client):
    import mmh3
    record = client.retrieve("texts", [0], with_vectors=["bm25"])[0]
    # "Swift variables and constants: let and var" → stems swift, variabl, constant, let, var (and/… are stop words)
    expected = sorted(abs(mmh3.hash(t)) for t in ["swift", "variabl", "constant", "let", "var"])
    assert sorted(record.vector["bm25"].indices) == expected


def test_hybrid_text_query_in_one_request(client, server):
    body = {"prefetch": [
        {"query": {"text": "BM25 keyword hybrid", "model": MODEL}, "using": "dense", "limit": 4},
        {"query": {"text": "BM25 keyword hybrid", "model": "qdrant/bm25"}, "using": "bm25", "limit": 4}],
        "query": {"fusion": "rrf"}, "limit": 2, "with_payload": True}
    r = requests.post(server.url + "/collections/texts/points/query", json=body, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["points"][0]["id"] == 3
    result = client.query_points("texts", prefetch=[
        models.Prefetch(query=models.Document(text="BM25 keyword hybrid", model=MODEL), using="dense", limit=4),
        models.Prefetch(query=models.Document(text="BM25 keyword hybrid", model="qdrant/bm25"), using="bm25", limit=4)],
        query=models.FusionQuery(fusion=models.Fusion.RRF), limit=2)
    assert result.points[0].id == 3


def test_inference_errors(client, server):
    r = requests.post(server.url + "/collections/texts/points/query", json={
        "query": {"text": "x", "model": "no/such-model"}, "using": "dense"}, timeout=30)
    assert r.status_code == 400 and "unknown embedding model" in r.json()["status"]["error"]
    before = client.count("texts").count
    r = requests.put(server.url + "/collections/texts/points?wait=true", json={"points": [
        {"id": 99, "vector": {"dense": {"text": "x", "model": "no/such-model"}}}]}, timeout=30)
    assert r.status_code == 400
    assert client.count("texts").count == before
    big = "word " * 200_000  # 1 MB of text: truncated to the model's 256 word pieces
    r = requests.post(server.url + "/collections/texts/points/query", json={
        "query": {"text": big, "model": MODEL}, "using": "dense", "limit": 1}, timeout=120)
    assert r.status_code == 200
    r = requests.post(server.url + "/collections/texts/points/query", json={
        "query": {"text": "", "model": MODEL}, "using": "dense", "limit": 1}, timeout=60)
    assert r.status_code == 200
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def _cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def test_blas_kernels_match_the_cpu():
    """OpenBLAS 0.3.21 gives a CPU it does not know by model number (a VM's generic Xeon) its SSE3 Prescott
    kernels; campus-search re-selects AVX-512/AVX2 ones at start-up unless OPENBLAS_CORETYPE says otherwise."""
    import subprocess
    from conftest import _binary
    flags = _cpu_flags()
    if "avx2" not in flags or "fma" not in flags:
        pytest.skip("this CPU has no AVX2+FMA: OpenBLAS's own choice stands")
    text = '{"text": "kernels"}\n'
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    done = subprocess.run([_binary(), "embed"], input=text, capture_output=True, text=True, timeout=120,
                          env={**env, "OPENBLAS_VERBOSE": "2"}, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    cores = [line.split(":", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("Core:")]
    assert cores, done.stderr
    avx512 = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= flags
    modern = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Excavator"}
    assert cores[-1] in modern, f"BLAS kernels {cores} on a CPU with AVX2{'/AVX-512' if avx512 else ''}"
    # An explicit choice wins: the user's OPENBLAS_CORETYPE is never replaced.
    forced = subprocess.run([_binary(), "embed"], input=text, capture_output=True, text=True, timeout=120,
                            env={**env, "OPENBLAS_VERBOSE": "2", "OPENBLAS_CORETYPE": "Prescott"}, cwd=ROOT)
    assert forced.returncode == 0, forced.stderr
    assert [l for l in forced.stderr.splitlines() if l.startswith("Core:")] == ["Core: Prescott"]
    import json
    assert json.loads(forced.stdout)["embedding"] == pytest.approx(json.loads(done.stdout)["embedding"], abs=1e-5)
