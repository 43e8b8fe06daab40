"""The official qdrant-client (1.20) against the real campus-search server, checked against exact
ground truth computed here with numpy."""
import math
import uuid

import numpy as np
import pytest
import requests
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

DIM = 16
N = 300


@pytest.fixture(scope="module")
def client(server):
    return QdrantClient(url=server.url, timeout=30)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(N, DIM)).astype(np.float32)
    sparse = []
    for i in range(N):
        idx = sorted(rng.choice(50, size=4, replace=False).tolist())
        sparse.append((idx, rng.uniform(0.1, 2.0, size=4).astype(np.float32).tolist()))
    payloads = [{"course_id": i % 5, "title": f"lesson {i}", "tags": ["a", "b"] if i % 2 else ["c"], "score": i * 0.5}
                for i in range(N)]
    return vectors, sparse, payloads


def normalised(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def collection(client, data):
    vectors, sparse, payloads = data
    name = "lessons"
    client.create_collection(
        name,
        vectors_config={"dense": models.VectorParams(size=DIM, distance=models.Distance.COSINE)},
        sparse_vectors_config={"sparse": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    half = N // 2
    client.upsert(name, points=[
        models.PointStruct(id=i, vector={"dense": vectors[i].tolist(),
                                         "sparse": models.SparseVector(indices=sparse[i][0], values=sparse[i][1])},
                           payload=payloads[i]) for i in range(half)])
    client.upsert(name, points=models.Batch(
        ids=list(range(half, N)),
        vectors={"dense": vectors[half:].tolist(),
                 "sparse": [models.SparseVector(indices=sparse[i][0], values=sparse[i][1]) for i in range(half, N)]},
        payloads=payloads[half:]))
    return name


def test_collection_info(client, collection):
    assert client.collection_exists(collection)
    assert not client.collection_exists("missing")
    info = client.get_collection(collection)
    assert info.points_count == N
    assert info.config.params.vectors["dense"].size == DIM
    assert info.config.params.vectors["dense"].distance == models.Distance.COSINE
    assert [c.name for c in client.get_collections().collections] == [collection]


def test_retrieve_returns_normalised_vectors(client, collection, data):
    vectors, sparse, payloads = data
    records = client.retrieve(collection, ids=[3, 7, 10_000], with_vectors=True)
    assert sorted(r.id for r in records) == [3, 7]
    for r in records:
        assert r.payload == payloads[r.id]
        assert np.allclose(r.vector["dense"], normalised(vectors[r.id]), atol=1e-6)
        assert dict(zip(r.vector["sparse"].indices, r.vector["sparse"].values)) == pytest.approx(
            dict(zip(sparse[r.id][0], sparse[r.id][1])))


def test_dense_query_matches_exact_ground_truth(client, collection, data):
    vectors, _, _ = data
    q = np.random.default_rng(1).normal(size=DIM).astype(np.float32)
    truth = np.argsort(-(normalised(vectors) @ normalised(q)))[:10]
    result = client.query_points(collection, query=q.tolist(), using="dense", limit=10, with_payload=True)
    assert [p.id for p in result.points] == truth.tolist()
    assert result.points[0].score == pytest.approx(float(normalised(vectors[truth[0]]) @ normalised(q)), abs=1e-5)
    assert all(p.version >= 0 for p in result.points)
    exact = client.query_points(collection, query=q.tolist(), using="dense", limit=10,
                                search_params=models.SearchParams(exact=True))
    assert [p.id for p in exact.points] == truth.tolist()
    offset = client.query_points(collection, query=q.tolist(), using="dense", limit=5, offset=5)
    assert [p.id for p in offset.points] == truth[5:10].tolist()


def test_score_threshold(client, collection, data):
    vectors, _, _ = data
    q = vectors[0]
    result = client.query_points(collection, query=q.tolist(), using="dense", limit=50, score_threshold=0.3)
    assert result.points and all(p.score >= 0.3 - 1e-5 for p in result.points)


def test_sparse_query_with_idf(client, collection, data):
    _, sparse, _ = data
    query_idx, query_val = [sparse[0][0][0], sparse[1][0][0]], [1.0, 1.0]
    df = {t: sum(1 for s in sparse if t in s[0]) for t in query_idx}
    idf = {t: math.log((N - df[t] + 0.5) / (df[t] + 0.5) + 1) for t in query_idx}
    scores = {}
    for i, (idx, val) in enumerate(sparse):
        shared = [(t, w) for t, w in zip(idx, val) if t in idf]
        if shared:
            scores[i] = sum(idf[t] * w for t, w in shared)
    truth = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    result = client.query_points(collection, query=models.SparseVector(indices=query_idx, values=query_val),
                                 using="sparse", limit=10)
    assert [p.score for p in result.points] == pytest.approx([s for _, s in truth], rel=1e-5)
    assert set(p.id for p in result.points) <= set(scores)


def test_hybrid_rrf_and_dbsf(client, collection, data):
    vectors, sparse, _ = data
    q = vectors[11]
    prefetch = [
        models.Prefetch(query=q.tolist(), using="dense", limit=20),
        models.Prefetch(query=models.SparseVector(indices=sparse[11][0], values=[1.0] * 4), using="sparse", limit=20),
    ]
    dense = client.query_points(collection, query=q.tolist(), using="dense", limit=20).points
    sparse_hits = client.query_points(collection, query=models.SparseVector(indices=sparse[11][0], values=[1.0] * 4),
                                      using="sparse", limit=20).points
    expected = {}
    for hits in (dense, sparse_hits):
        for pos, p in enumerate(hits):
            expected[p.id] = expected.get(p.id, 0) + 1 / (2 + pos)
    rrf = client.query_points(collection, prefetch=prefetch, query=models.FusionQuery(fusion=models.Fusion.RRF), limit=10)
    assert rrf.points[0].id == 11
    for p in rrf.points:
        assert p.score == pytest.approx(expected[p.id], rel=1e-5)
    k60 = client.query_points(collection, prefetch=prefetch, query=models.RrfQuery(rrf=models.Rrf(k=60)), limit=3)
    assert k60.points[0].score == pytest.approx(2 / 60, rel=1e-5)
    dbsf = client.query_points(collection, prefetch=prefetch, query=models.FusionQuery(fusion=models.Fusion.DBSF), limit=10)
    assert dbsf.points[0].id == 11
    assert all(a.score >= b.score for a, b in zip(dbsf.points, dbsf.points[1:]))


def test_query_batch(client, collection, data):
    vectors, _, _ = data
    batch = client.query_batch_points(collection, requests=[
        models.QueryRequest(query=vectors[i].tolist(), using="dense", limit=3) for i in (1, 2)])
    assert [r.points[0].id for r in batch] == [1, 2]


def test_scroll_pagination_visits_every_point_once_in_order(client, collection):
    seen, offset = [], None
    while True:
        points, offset = client.scroll(collection, limit=64, offset=offset)
        seen += [p.id for p in points]
        if offset is None:
            break
    assert seen == list(range(N))


def test_count(client, collection):
    assert client.count(collection).count == N


def test_payload_set_overwrite_delete(client, fresh_collection):
    name = fresh_collection
    client.set_payload(name, payload={"archived": True, "meta": {"level": 1}}, points=[1, 2])
    assert client.retrieve(name, [1])[0].payload == {"k": 1, "archived": True, "meta": {"level": 1}}
    client.set_payload(name, payload={"level": 2}, points=[1], key="meta")
    assert client.retrieve(name, [1])[0].payload["meta"] == {"level": 2}
    client.overwrite_payload(name, payload={"only": "this"}, points=[2])
    assert client.retrieve(name, [2])[0].payload == {"only": "this"}
    client.delete_payload(name, keys=["archived"], points=[1])
    assert "archived" not in client.retrieve(name, [1])[0].payload
    client.clear_payload(name, points_selector=[1])
    assert client.retrieve(name, [1])[0].payload == {}


@pytest.fixture()
def fresh_collection(client):
    name = "fresh-" + uuid.uuid4().hex[:8]
    client.create_collection(name, vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT))
    client.upsert(name, points=[models.PointStruct(id=i, vector=[float(i), 1.0, 0.0, 0.0], payload={"k": i})
                                for i in range(10)])
    yield name
    client.delete_collection(name)


def test_unnamed_vector_and_uuid_ids(client, fresh_collection):
    name = fresh_collection
    big = 2 ** 63 + 5
    u = "5C56C793-69F3-4FBF-87E6-C4BF54C28C26"
    client.upsert(name, points=[models.PointStruct(id=big, vector=[1.0, 0, 0, 0], payload={"n": 3}),
                                models.PointStruct(id=u, vector=[0, 1.0, 0, 0])])
    records = client.retrieve(name, [big, u], with_vectors=True)
    assert sorted(str(r.id) for r in records) == sorted([str(big), u.lower()])
    assert [r for r in records if r.id == big][0].payload == {"n": 3}
    assert isinstance([r for r in records if r.id == big][0].payload["n"], int)
    top = client.query_points(name, query=[10.0, 1.0, 0, 0], limit=1).points[0]
    assert top.id == 9 and top.score == pytest.approx(91.0)


def test_delete_by_id(client, fresh_collection):
    name = fresh_collection
    client.delete(name, points_selector=models.PointIdsList(points=[0, 1, 12345]))
    assert client.count(name).count == 8
    assert client.retrieve(name, [0, 1]) == []
    assert 0 not in [p.id for p in client.query_points(name, query=[0.0, 1.0, 0, 0], limit=10).points]


def test_delete_collection(client):
    client.create_collection("temp", vectors_config=models.VectorParams(size=2, distance=models.Distance.EUCLID))
    assert client.delete_collection("temp") is True
    assert client.delete_collection("temp") is False


# --- errors: Qdrant's envelope and status codes, nothing stored changes, server stays up ---

def expect_error(status, fn):
    with pytest.raises(UnexpectedResponse) as info:
        fn()
    assert info.value.status_code == status, info.value.content
    return info.value.content.decode()


def test_errors(client, fresh_collection, server):
    name = fresh_collection
    msg = expect_error(400, lambda: client.upsert(name, points=[models.PointStruct(id=100, vector=[1.0, 2.0, 3.0])]))
    assert "Vector dimension error: expected dim: 4, got 3" in msg
    assert client.count(name).count == 10
    expect_error(404, lambda: client.get_collection("no-such-collection"))
    expect_error(409, lambda: client.create_collection(name, vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)))
    expect_error(400, lambda: client.query_points(name, query=[1.0, 2.0], limit=3))
    expect_error(400, lambda: client.query_points(name, query=[1.0, 2.0, 3.0, 4.0], using="nope", limit=3))

    def raw(method, path, body, headers=None):
        return requests.request(method, server.url + path, data=body, headers=headers or {"Content-Type": "application/json"}, timeout=10)

    r = raw("PUT", f"/collections/{name}/points", b'{"points": [')
    assert r.status_code == 400 and "Format error in JSON body" in r.json()["status"]["error"]
    r = raw("PUT", f"/collections/{name}/points", b'{"points":[{"id":200,"vector":[NaN,1,1,1]}]}')
    assert r.status_code == 400
    r = raw("PUT", f"/collections/{name}/points", b'{"points":[{"id":-1,"vector":[1,1,1,1]}]}')
    assert r.status_code == 400
    r = raw("PUT", f"/collections/{name}/points", b'{"points":[{"id":"not-a-uuid","vector":[1,1,1,1]}]}')
    assert r.status_code == 400
    r = raw("POST", f"/collections/{name}/points/query", b'{"query":[1,1,1,1],"limit":0}')
    assert r.status_code == 422
    r = raw("POST", f"/collections/{name}/points/query", b'{"query":[1,1,1,1],"limit":100000000}')
    assert r.status_code == 422
    deep = b'{"filter":' + b'{"must":[' * 200 + b']}' * 200 + b'}'
    r = raw("POST", f"/collections/{name}/points/count", deep)
    assert r.status_code == 400
    r = raw("PUT", "/collections/sparse-errors", b'{"sparse_vectors":{"s":{}}}')
    assert r.status_code == 200
    r = raw("PUT", "/collections/sparse-errors/points", b'{"points":[{"id":1,"vector":{"s":{"indices":[1,1],"values":[1,2]}}}]}')
    assert r.status_code == 422
    r = raw("PUT", "/collections/sparse-errors/points", b'{"points":[{"id":1,"vector":{"s":{"indices":[1,2],"values":[1]}}}]}')
    assert r.status_code == 422
    assert client.count(name).count == 10
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def test_body_over_limit_is_413():
    from conftest import Server
    s = Server(extra_env={"CAMPUS_SEARCH_MAX_BODY_BYTES": "1000"}).start()
    try:
        requests.put(s.url + "/collections/c", json={"vectors": {"size": 4, "distance": "Dot"}}, timeout=10)
        r = requests.put(s.url + "/collections/c/points", data=b'{"points":[' + b' ' * 2000 + b']}', timeout=10)
        assert r.status_code == 413
        assert "error" in r.json()["status"]
        assert requests.get(s.url + "/healthz", timeout=5).status_code == 200
    finally:
        s.cleanup()


def test_acknowledged_upsert_survives_kill_9():
    from conftest import Server
    s = Server().start()
    try:
        c = QdrantClient(url=s.url, timeout=30)
        c.create_collection("durable", vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE))
        for batch in range(5):
            c.upsert("durable", points=[models.PointStruct(id=batch * 20 + i, vector=[1.0, float(i), 2.0, 0.5], payload={"b": batch})
                                        for i in range(20)])
        s.kill(9)
        s.start()
        c = QdrantClient(url=s.url, timeout=30)
        assert c.count("durable").count == 100
        assert c.retrieve("durable", [99])[0].payload == {"b": 4}
        assert c.query_points("durable", query=[1.0, 3.0, 2.0, 0.5], limit=1).points[0].id % 20 == 3
    finally:
        s.cleanup()


# --- filters, with and without payload indexes ---

def _filter_truth(data, predicate, indexed):
    _, _, payloads = data
    return {i for i in range(N) if predicate(payloads[i], indexed)}


FILTERS = [
    (models.Filter(must=[models.FieldCondition(key="course_id", match=models.MatchValue(value=3))]),
     lambda p, _: p["course_id"] == 3),
    (models.Filter(should=[models.FieldCondition(key="tags", match=models.MatchAny(any=["a", "z"]))],
                   must_not=[models.FieldCondition(key="course_id", match=models.MatchValue(value=1))]),
     lambda p, _: "a" in p["tags"] and p["course_id"] != 1),
    (models.Filter(must=[models.FieldCondition(key="score", range=models.Range(gte=10.0, lt=40.0))]),
     lambda p, _: 10 <= p["score"] < 40),
    (models.Filter(must=[models.FieldCondition(key="title", match=models.MatchText(text="lesson 7"))]),
     # Qdrant's server: by tokens with a text index, a substring of the string without one.
     lambda p, indexed: "7" in p["title"].split() if indexed else "lesson 7" in p["title"]),
    (models.Filter(must=[models.HasIdCondition(has_id=[5, 6, 7])]), None),
]


@pytest.mark.parametrize("indexed", [False, True])
def test_filtered_count_scroll_and_query(client, collection, data, indexed):
    vectors, _, payloads = data
    if indexed:
        client.create_payload_index(collection, "course_id", models.PayloadSchemaType.INTEGER)
        client.create_payload_index(collection, "tags", models.PayloadSchemaType.KEYWORD)
        client.create_payload_index(collection, "score", models.PayloadSchemaType.FLOAT)
        client.create_payload_index(collection, "title", models.TextIndexParams(type="text"))
        schema = client.get_collection(collection).payload_schema
        assert schema["course_id"].data_type == models.PayloadSchemaType.INTEGER and schema["course_id"].points == N
        assert schema["title"].data_type == models.PayloadSchemaType.TEXT
    q = np.random.default_rng(3).normal(size=DIM).astype(np.float32)
    sims = normalised(vectors) @ normalised(q)
    for flt, predicate in FILTERS:
        allowed = _filter_truth(data, predicate, indexed) if predicate else {5, 6, 7}
        assert client.count(collection, count_filter=flt).count == len(allowed)
        points, _ = client.scroll(collection, scroll_filter=flt, limit=N)
        assert sorted(p.id for p in points) == sorted(allowed)
        truth = sorted(allowed, key=lambda i: -sims[i])[:10]
        result = client.query_points(collection, query=q.tolist(), using="dense", query_filter=flt, limit=10)
        assert [p.id for p in result.points] == truth
    if indexed:
        client.delete_payload_index(collection, "tags")
        assert "tags" not in client.get_collection(collection).payload_schema


def test_hybrid_root_filter_applies_to_every_prefetch(client, collection, data):
    vectors, sparse, payloads = data
    flt = models.Filter(must=[models.FieldCondition(key="course_id", match=models.MatchValue(value=2))])
    result = client.query_points(collection, prefetch=[
        models.Prefetch(query=vectors[0].tolist(), using="dense", limit=30),
        models.Prefetch(query=models.SparseVector(indices=sparse[0][0], values=[1.0] * 4), using="sparse", limit=30),
    ], query=models.FusionQuery(fusion=models.Fusion.RRF), query_filter=flt, limit=10, with_payload=True)
    assert result.points and all(p.payload["course_id"] == 2 for p in result.points)


def test_writes_by_filter(client, fresh_collection):
    name = fresh_collection
    even = models.Filter(must=[models.FieldCondition(key="k", match=models.MatchAny(any=[0, 2, 4, 6, 8]))])
    client.set_payload(name, payload={"even": True}, points=even)
    assert client.count(name, count_filter=models.Filter(must=[models.FieldCondition(key="even", match=models.MatchValue(value=True))])).count == 5
    client.delete(name, points_selector=models.FilterSelector(filter=even))
    assert client.count(name).count == 5
    assert all(r.payload["k"] % 2 == 1 for r in client.scroll(name, limit=20)[0])


def test_bad_filters_are_400(server, fresh_collection):
    for body in [b'{"filter":{"must":[{"key":"k","match":{"nope":1}}]}}', b'{"filter":{"must":"x"}}',
                 b'{"filter":{"must":[{"key":"k","range":{"gt":"a"}}]}}']:
        r = requests.post(f"{server.url}/collections/{fresh_collection}/points/count", data=body, timeout=10)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["status"]["error"].startswith("Format error in JSON body")


def test_wait_false_is_durable_at_once_and_searchable_soon(client):
    name = "async-" + uuid.uuid4().hex[:6]
    client.create_collection(name, vectors_config=models.VectorParams(size=8, distance=models.Distance.COSINE))
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(2000, 8)).astype(np.float32)
    for start in range(0, 2000, 250):
        result = client.upsert(name, wait=False, points=[
            models.PointStruct(id=i, vector=vectors[i].tolist(), payload={"i": i}) for i in range(start, start + 250)])
        assert result.status == models.UpdateStatus.ACKNOWLEDGED
    # Committed: counts, retrieve and filters see every point immediately.
    assert client.count(name).count == 2000
    assert client.retrieve(name, [1999])[0].payload == {"i": 1999}
    client.delete(name, points_selector=[7], wait=False)
    # A wait=true write returns only after everything queued before it is indexed.
    client.upsert(name, wait=True, points=[models.PointStruct(id=5000, vector=vectors[0].tolist())])
    info = client.get_collection(name)
    assert info.indexed_vectors_count == info.points_count == 2000
    hits = client.query_points(name, query=vectors[1234].tolist(), limit=3).points
    assert hits[0].id == 1234
    assert 7 not in [p.id for p in client.query_points(name, query=vectors[7].tolist(), limit=5).points]
    client.delete_collection(name)


def test_compat_aliases_order_by_vectors(client):
    """Issue 16 through qdrant-client: aliases, ordered scroll paging, update/delete vectors, metadata."""
    name = "compat_" + uuid.uuid4().hex[:8]
    client.create_collection(name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT),
                             metadata={"team": "a"})
    client.upsert(name, [models.PointStruct(id=i, vector=[1.0, float(i)], payload={"n": 10 - i, "nested": {"id": i, "x": 1}})
                         for i in range(1, 6)], wait=True)
    assert client.get_collection(name).config.metadata == {"team": "a"}
    points, nxt = client.scroll(name, order_by=models.OrderBy(key="n", direction=models.Direction.DESC), limit=3)
    assert [p.id for p in points] == [1, 2, 3] and nxt is None
    got = client.retrieve(name, [2], with_payload=["nested.id"])[0]
    assert got.payload == {"nested": {"id": 2}}
    client.update_vectors(name, [models.PointVectors(id=2, vector=[5.0, 5.0])], wait=True)
    assert client.retrieve(name, [2], with_vectors=True)[0].vector == [5.0, 5.0]
    client.update_collection_aliases([models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=name, alias_name=name + "_al"))])
    assert client.count(name + "_al").count == 5
    assert [a.alias_name for a in client.get_collection_aliases(name).aliases] == [name + "_al"]
    diverse = client.query_points(name, query=models.NearestQuery(nearest=[1.0, 0.0], mmr=models.Mmr(diversity=0.5)), limit=3)
    assert len(diverse.points) == 3 and len({p.id for p in diverse.points}) == 3
    sampled = client.query_points(name, query=models.SampleQuery(sample=models.Sample.RANDOM), limit=5)
    assert sorted(p.id for p in sampled.points) == [1, 2, 3, 4, 5]
    ordered = client.query_points(name, query=models.OrderByQuery(order_by="n"), limit=2)
    assert [p.id for p in ordered.points] == [5, 4] and [p.order_value for p in ordered.points] == [5, 6]
    boosted = client.query_points(name, prefetch=models.Prefetch(query=[1.0, 0.0], limit=5),
                                  query=models.FormulaQuery(formula=models.SumExpression(sum=["$score", "n"])), limit=1)
    assert boosted.points[0].id == 2 and boosted.points[0].score == 13.0  # [5, 5]·[1, 0] + n 8
    client.create_vector_name(name, "words", models.SparseVectorNameConfig(sparse=models.SparseVectorConfig(modifier=models.Modifier.IDF)))
    assert "words" in client.get_collection(name).config.params.sparse_vectors
    client.upsert(name, [models.PointStruct(id=1, vector={"": [1.0, 1.0], "words": models.SparseVector(indices=[7], values=[1.0])},
                                            payload={"n": 9})], wait=True)
    assert client.query_points(name, query=models.SparseVector(indices=[7], values=[1.0]), using="words").points[0].id == 1
    client.delete_vector_name(name, "words")
    assert not (client.get_collection(name).config.params.sparse_vectors or {})
    with pytest.raises(UnexpectedResponse) as refused:
        client.query_points(name, query=[1.0, 0.0], using="words")
    assert refused.value.status_code == 400
    client.delete_collection(name)
    assert client.get_aliases().aliases == [] or all(a.collection_name != name for a in client.get_aliases().aliases)
