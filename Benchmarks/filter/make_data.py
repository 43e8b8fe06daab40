"""Writes the filter benchmark's payloads and filters (deterministic) to Benchmarks/data/filter/.

payloads.jsonl: one JSON object per point (id = line number).
filters.json:   [{"name": ..., "filter": <Qdrant filter JSON>}, ...]
"""
import json, os, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
out = os.path.join(os.path.dirname(__file__), "..", "data", "filter")
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
orgs = [f"9a1c7a52-0000-4000-8000-{i:012d}" for i in range(20)]
tags = [f"tag{i}" for i in range(50)]
vocab = [f"word{i}" for i in range(200)]

with open(os.path.join(out, "payloads.jsonl"), "w") as f:
    for i in range(n):
        p = {
            "organization_id": rng.choice(orgs),
            "course_id": rng.randrange(1000),
            "tags": rng.sample(tags, rng.randint(1, 3)),
            "duration": round(rng.uniform(0, 120), 2),
            "archived": rng.random() < 0.1,
            "title": " ".join(rng.choice(vocab) for _ in range(rng.randint(3, 6))),
            "meta": {"level": rng.randrange(5)},
        }
        if rng.random() < 0.05:
            p["note"] = None
        f.write(json.dumps(p) + "\n")

filters = [
    {"name": "course_id = 7 (integer)", "filter": {"must": [{"key": "course_id", "match": {"value": 7}}]}},
    {"name": "org & tags any & not archived", "filter": {
        "must": [{"key": "organization_id", "match": {"value": orgs[3]}}],
        "should": [{"key": "tags", "match": {"any": ["tag1", "tag2"]}}],
        "must_not": [{"key": "archived", "match": {"value": True}}]}},
    {"name": "duration range 30%", "filter": {"must": [{"key": "duration", "range": {"gte": 30.0, "lt": 66.0}}]}},
    {"name": "org & level range & is_null", "filter": {
        "must": [{"key": "organization_id", "match": {"any": [orgs[1], orgs[2]]}},
                 {"key": "meta.level", "range": {"gt": 1.0}}],
        "must_not": [{"is_null": {"key": "note"}}]}},
    {"name": "title text (text index)", "filter": {"must": [{"key": "title", "match": {"text": "word7 word9"}}]}},
    {"name": "org & unindexed except", "filter": {
        "must": [{"key": "organization_id", "match": {"value": orgs[5]}},
                 {"key": "title", "match": {"except": ["x"]}}]}},
]
with open(os.path.join(out, "filters.json"), "w") as f:
    json.dump(filters, f)
print(f"wrote {n} payloads and {len(filters)} filters to {os.path.abspath(out)}")
