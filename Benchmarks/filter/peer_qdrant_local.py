"""Peer: qdrant-client's local mode (in-process Python Qdrant) counting the same filters.

Local mode evaluates filters by scanning payloads (it ignores payload indexes).
Prints one line per filter: name, count, median ms over the repeats.
"""
import json, os, statistics, sys, time
from qdrant_client import QdrantClient, models

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
data = os.path.join(os.path.dirname(__file__), "..", "data", "filter")
payloads = [json.loads(line) for line in open(os.path.join(data, "payloads.jsonl"))]
filters = json.load(open(os.path.join(data, "filters.json")))

client = QdrantClient(":memory:")
client.create_collection("bench", vectors_config=models.VectorParams(size=1, distance=models.Distance.DOT))
batch = 2000
for start in range(0, len(payloads), batch):
    client.upsert("bench", points=[models.PointStruct(id=i, vector=[1.0], payload=payloads[i])
                                   for i in range(start, min(start + batch, len(payloads)))])
for f in filters:
    flt = models.Filter.model_validate(f["filter"])
    times, count = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        count = client.count("bench", count_filter=flt, exact=True).count
        times.append((time.perf_counter() - t) * 1000)
    print(f"{f['name']:<34} count={count:>7}  median {statistics.median(times):9.3f} ms")
