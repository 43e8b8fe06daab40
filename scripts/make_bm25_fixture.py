"""Writes Tests/SearchTests/Fixtures/qdrant_bm25.json: sparse vectors for a set of texts made with the
libraries fastembed's Qdrant/bm25 uses (mmh3 for term ids, py_rust_stemmers' Snowball English), following
fastembed's Bm25 pipeline (fastembed/sparse/bm25.py: remove_non_alphanumeric, SimpleTokenizer, _stem,
_term_frequency, query_embed) with NLTK's English stop words (the model's english.txt).

    pip install mmh3 py_rust_stemmers && python3 scripts/make_bm25_fixture.py
"""
import json
import os
import re
from collections import Counter

import mmh3
from py_rust_stemmers import SnowballStemmer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "SearchTests", "Fixtures", "qdrant_bm25.json")

STOP = set("""a about above after again against ain all am an and any are aren aren't as at be because been before being
below between both but by can couldn couldn't d did didn didn't do does doesn doesn't doing don don't down during each few
for from further had hadn hadn't has hasn hasn't have haven haven't having he her here hers herself him himself his how i
if in into is isn isn't it it's its itself just ll m ma me mightn mightn't more most mustn mustn't my myself needn needn't
no nor not now o of off on once only or other our ours ourselves out over own re s same shan shan't she she's should
should've shouldn shouldn't so some such t than that that'll the their theirs them themselves then there these they this
those through to too under until up ve very was wasn wasn't we were weren weren't what when where which while who whom why
will with won won't wouldn wouldn't y you you'd you'll you're you've your yours yourself yourselves""".split())
assert len(STOP) == 179

stemmer = SnowballStemmer("english")
K, B, AVG = 1.2, 0.75, 256.0


def terms(text):
    text = re.sub(r"[^\w\s]", " ", text, flags=re.UNICODE)
    text = re.sub(r"[^\w]", " ", text.lower())
    out = []
    for token in text.split():
        if token in STOP or len(token) > 40:
            continue
        stem = stemmer.stem_word(token)
        if stem:
            out.append(stem)
    return out


def token_id(term):
    return abs(mmh3.hash(term))


def document(text):
    ts = terms(text)
    counts = Counter(ts)
    norm = K * (1 - B + B * len(ts) / AVG)
    pairs = sorted((token_id(t), c * (K + 1) / (c + norm)) for t, c in counts.items())
    return {"indices": [p[0] for p in pairs], "values": [p[1] for p in pairs]}


def query(text):
    ids = sorted(set(token_id(t) for t in terms(text)))
    return {"indices": ids, "values": [1.0] * len(ids)}


TEXTS = [
    "Intro to Swift: variables, constants and type inference",
    "How do vector databases index embeddings?",
    "The quick brown fox jumps over the lazy dog. The dog sleeps!",
    "Running runners ran; they're running faster than they've ever run.",
    "Hybrid search fuses BM25 with dense retrieval (RRF, DBSF).",
    "Café naïve résumé — coöperate with the Zürich team",
    "e-mail: student@example.com, phone +1-555-0100, 3.14159 and 2nd place",
    "SELECT * FROM courses WHERE org_id = 42 AND deleted_at IS NULL;",
    "Generalization, organizational, universally, emergency, interesting, pasted, later",
    "Ünïcödé ΑΒΓ δέλτα Москва 東京 mixed_script_token token_with_underscores",
    "",
    "   ",
    "a an the of to",
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis and averyveryveryveryveryveryverylongtokenthatexceedsforty",
    "Lectures 1-12 cover linear algebra; labs 3, 5 & 7 use NumPy.",
    "Don't won't can't shouldn't: contractions everywhere, isn't it?",
    "caresses ponies ties caress cats feed agreed plastered motoring sing conflated troubled sized hopping tanned",
    "relational conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli",
    "machine learning model training with gradient descent and backpropagation",
    "The course covers: HTTP/2, TLS 1.3, gRPC & REST APIs (v1.20.0).",
]

# Every word of the stemmer fixture as one long text: checks stemming word by word against py_rust_stemmers.
with open(os.path.join(HERE, "..", "Tests", "SearchTests", "Fixtures", "snowball-english.tsv")) as f:
    TEXTS.append(" ".join(line.split("\t")[0] for line in f if line.strip()))

cases = [{"text": t, "document": document(t), "query": query(t), "terms": terms(t)} for t in TEXTS]
with open(OUT, "w") as f:
    json.dump(cases, f, ensure_ascii=False, indent=1)
print(f"wrote {len(cases)} cases to {OUT}")
