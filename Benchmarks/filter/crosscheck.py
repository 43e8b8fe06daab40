"""Semantics cross-check against qdrant-client's local mode (Qdrant's filter logic in Python).

Writes Benchmarks/data/filter/crosscheck.json: random payloads, random filters, and for each filter
the ids local mode returns. CrossCheck.swift (run by crosscheck.sh) evaluates the same filters with
CampusSearch's Filter / PayloadIndexSet and reports every difference.
Floats in payloads are never whole numbers: JSONValue decodes 2.0 as the integer 2 (see report).
Usage: python3 crosscheck.py [points=300] [filters=400] [seed=1]
"""
import json, os, random, sys
from qdrant_client import QdrantClient, models

n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
nf = int(sys.argv[2]) if len(sys.argv) > 2 else 400
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
cities = ["London", "Paris", "Berlin"]
uuids = ["9a1c7a52-0000-4000-8000-000000000001", "9a1c7a52-0000-4000-8000-000000000002"]

def scalar():
    return rng.choice([rng.choice(cities), rng.randint(-2, 2), rng.choice([0.5, 1.5, -1.5]), rng.random() < 0.5, None,
                       rng.choice(uuids), "3", "London Paris"])

def value(typical):
    r = rng.randrange(10)
    if r == 0: return "__missing__"
    if r == 1: return scalar()
    if r == 2: return []
    if r == 3: return [typical() if rng.random() < 0.8 else scalar() for _ in range(rng.randint(1, 3))]
    return typical()

def payload():
    p = {}
    for key, typical in [("city", lambda: rng.choice(cities)), ("n", lambda: rng.randint(-2, 2)),
                         ("price", lambda: rng.choice([rng.randint(-2, 4), rng.randint(-3, 4) + 0.5])),
                         ("flag", lambda: rng.random() < 0.5), ("org", lambda: rng.choice(uuids)),
                         ("title", lambda: " ".join(rng.choice(["intro", "swift", "db"]) for _ in range(rng.randint(1, 3))))]:
        v = value(typical)
        if v != "__missing__": p[key] = v
    if rng.random() < 0.7:
        meta = {"level": rng.randint(0, 3), "name": rng.choice(cities)}
        p["meta"] = [meta, {"level": rng.randint(0, 3)}] if rng.random() < 0.3 else meta
    return p

keys = ["city", "n", "price", "flag", "org", "title", "meta.level", "meta[].level", "meta.name", "missing"]

def condition(depth, ids):
    key = rng.choice(keys)
    r = rng.randrange(13 if depth > 0 else 11)
    if r == 0: return {"key": key, "match": {"value": rng.choice(cities + uuids + ["3"])}}
    if r == 1: return {"key": key, "match": {"value": rng.randint(-2, 2)}}
    if r == 2: return {"key": key, "match": {"value": rng.random() < 0.5}}
    if r == 3: return {"key": key, "match": {"any": rng.sample(cities, rng.randint(1, 2))}}
    if r == 4: return {"key": key, "match": {"any": [rng.randint(-2, 2) for _ in range(rng.randint(1, 3))]}}
    if r == 5: return {"key": key, "match": {"except": [rng.choice(cities)] if rng.random() < 0.5 else [rng.randint(-2, 2)]}}
    if r == 6:
        rg = {}
        if rng.random() < 0.7: rg[rng.choice(["gt", "gte"])] = rng.randint(-4, 4) / 2
        if rng.random() < 0.7: rg[rng.choice(["lt", "lte"])] = rng.randint(-2, 8) / 2
        return {"key": key, "range": rg}
    if r == 7: return {"is_empty": {"key": key}}
    if r == 8: return {"is_null": {"key": key}}
    if r == 9: return {"has_id": rng.sample(ids, rng.randint(1, 4))}
    if r == 10 and rng.random() < 0.5: return {"key": "title", "match": {"text": rng.choice(["intro", "swift db", "DB", "intro-swift", "x"])}}
    if r == 10: return {"key": key, "values_count": {rng.choice(["gt", "gte", "lt", "lte"]): rng.randint(0, 2)}}
    if r == 11: return {"nested": {"key": "meta", "filter": flt(0, ids)}}
    return flt(depth - 1, ids)

def clause(depth, ids):
    return [condition(depth, ids) for _ in range(rng.randint(1, 3))]

def flt(depth, ids):
    f = {}
    for name in ["must", "should", "must_not"]:
        if rng.random() < 0.5: f[name] = clause(depth, ids)
    if rng.random() < 0.15:
        f["min_should"] = {"conditions": clause(depth, ids), "min_count": rng.randint(1, 2)}
    return f

payloads = [payload() for _ in range(n)]
ids = list(range(n))
filters = [flt(2, ids) for _ in range(nf)]
client = QdrantClient(":memory:")
client.create_collection("x", vectors_config=models.VectorParams(size=1, distance=models.Distance.DOT))
client.upsert("x", points=[models.PointStruct(id=i, vector=[1.0], payload=p) for i, p in enumerate(payloads)])
expected = []
for f in filters:
    pts, _ = client.scroll("x", scroll_filter=models.Filter.model_validate(f), limit=n + 1, with_payload=False)
    expected.append(sorted(p.id for p in pts))
out = os.path.join(os.path.dirname(__file__), "..", "data", "filter")
os.makedirs(out, exist_ok=True)
json.dump({"payloads": payloads, "filters": filters, "expected": expected}, open(os.path.join(out, "crosscheck.json"), "w"))
print(f"{n} payloads, {nf} filters → {os.path.abspath(out)}/crosscheck.json")
