#!/usr/bin/env python3
"""BM25 text search: campus-search beside tantivy and bm25s on the same files, in the same run.

All three use one analyzer: lower-case, tokens = (?u)\\b\\w\\w+\\b, Lucene's 33 English stop words,
Snowball English stemmer (tantivy: regex tokenizer + lowercase + custom stop words + stemmer("english");
bm25s: its tokenizer with STOPWORDS_EN and PyStemmer; campus-search: its default analyzer), and BM25
with k1 = 1.2, b = 0.75 (bm25s method "lucene"; tantivy's k1/b are fixed at these values). Build is
single-threaded; queries run one at a time on one thread, timed per query (query analysis included),
after one untimed warm-up pass, in --repeat timed passes (QPS = best pass; percentiles pool all passes,
so a shared, busy machine shows in p99 rather than in QPS). tantivy runs through its Python binding with count=False, so its
Block-WAND is active; it quantises document lengths to one byte (Lucene's norm), so its ranking differs
slightly from exact-length BM25 (campus-search, bm25s).

    pip install tantivy bm25s PyStemmer
    swift build -c release --product campus-search
    python3 Benchmarks/corpus/make_debian_corpus.py
    python3 Benchmarks/peers/text_peers.py \\
        --corpus Benchmarks/data/debian-corpus.jsonl --queries Benchmarks/data/debian-queries.jsonl
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")


def read_jsonl(path, key):
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                obj = json.loads(line)
                rows.append((obj["id"], obj[key]))
    return rows


def percentiles(latencies_ns):
    us = np.asarray(latencies_ns, dtype=np.float64) / 1000.0
    return float(np.percentile(us, 50)), float(np.percentile(us, 95)), float(np.percentile(us, 99))


def run_campus_search(binary, args):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    command = [binary, "bench", "text", "--corpus", args.corpus, "--queries", args.queries,
               "--k", str(args.k), "--k1", str(args.k1), "--b", str(args.b), "--repeat", str(args.repeat),
               "--json", out]
    print("$ " + " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, stdout=sys.stderr)
    with open(out, encoding="utf-8") as handle:
        report = json.load(handle)
    os.unlink(out)
    return {
        "engine": "campus-search",
        "build_s": report["build"]["seconds"], "docs_per_s": report["build"]["docs_per_second"],
        "qps": report["qps"], "p50": report["p50_us"], "p95": report["p95_us"], "p99": report["p99_us"],
        "results": report["results"], "scores": report["scores"],
    }


def run_tantivy(docs, queries, args):
    import tantivy
    from bm25s.stopwords import STOPWORDS_EN

    analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"(?u)\b\w\w+\b"))
                .filter(tantivy.Filter.lowercase())
                .filter(tantivy.Filter.custom_stopword(list(STOPWORDS_EN)))
                .filter(tantivy.Filter.stemmer("english"))
                .build())
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("row", stored=True)
    builder.add_text_field("body", stored=False, tokenizer_name="en_bm25", index_option="freq")
    schema = builder.build()
    index = tantivy.Index(schema)  # in RAM
    index.register_tokenizer("en_bm25", analyzer)

    start = time.perf_counter_ns()
    writer = index.writer(heap_size=1_000_000_000, num_threads=1)
    for row, (_, text) in enumerate(docs):
        writer.add_document(tantivy.Document(row=row, body=text))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build_s = (time.perf_counter_ns() - start) / 1e9
    searcher = index.searcher()
    segments = searcher.num_segments

    cleaned = [" ".join(TOKEN.findall(q.lower())) for _, q in queries]

    def one(text):
        if not text:
            return []
        return searcher.search(index.parse_query(text, ["body"]), limit=args.k, count=False).hits

    for text in cleaned:  # warm-up
        one(text)
    latencies, hits_per_query, best_s = [], [], float("inf")
    for _ in range(args.repeat):
        hits_per_query = []
        run_start = time.perf_counter_ns()
        for text in cleaned:
            t0 = time.perf_counter_ns()
            hits = one(text)
            latencies.append(time.perf_counter_ns() - t0)
            hits_per_query.append(hits)
        best_s = min(best_s, (time.perf_counter_ns() - run_start) / 1e9)
    run_s = best_s
    results = [[docs[searcher.doc(address)["row"][0]][0] for _, address in hits] for hits in hits_per_query]
    p50, p95, p99 = percentiles(latencies)
    version = getattr(tantivy, "__version__", "").split(",")[0].replace("tantivy ", "")
    return {"engine": f"tantivy-py {version} ({segments} segment)",
            "build_s": build_s, "docs_per_s": len(docs) / build_s, "qps": len(queries) / run_s,
            "p50": p50, "p95": p95, "p99": p99, "results": results}


def run_bm25s(docs, queries, args):
    import bm25s
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    stemmer = Stemmer.Stemmer("english")
    stop = set(STOPWORDS_EN)

    def analyze(text):
        return [stemmer.stemWord(t) for t in TOKEN.findall(text.lower()) if t not in stop]

    start = time.perf_counter_ns()
    corpus_tokens = bm25s.tokenize([text for _, text in docs], stopwords="en", stemmer=stemmer,
                                   show_progress=False)
    retriever = bm25s.BM25(method="lucene", k1=args.k1, b=args.b)
    retriever.index(corpus_tokens, show_progress=False)
    build_s = (time.perf_counter_ns() - start) / 1e9
    vocab = corpus_tokens.vocab

    def one(text):
        ids = [vocab[t] for t in analyze(text) if t in vocab]
        if not ids:
            return [], []
        scores = retriever.get_scores(ids)
        k = min(args.k, len(scores))
        # Top k with ties at the k-th score broken by lower document index (the rule campus-search uses);
        # bm25s's own argpartition leaves tied documents in arbitrary order.
        kth = -np.partition(-scores, k - 1)[k - 1]
        candidates = np.nonzero((scores >= kth) & (scores > 0))[0]
        top = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        top = [int(i) for i in top if scores[i] > 0]
        return top, [float(scores[i]) for i in top]

    for _, q in queries:  # warm-up
        one(q)
    latencies, results, best_s = [], [], float("inf")
    for _ in range(args.repeat):
        results = []
        run_start = time.perf_counter_ns()
        for _, q in queries:
            t0 = time.perf_counter_ns()
            top, _ = one(q)
            latencies.append(time.perf_counter_ns() - t0)
            results.append([docs[i][0] for i in top])
        best_s = min(best_s, (time.perf_counter_ns() - run_start) / 1e9)
    run_s = best_s
    p50, p95, p99 = percentiles(latencies)
    return {"engine": f"bm25s {bm25s.__version__} (lucene)", "build_s": build_s, "docs_per_s": len(docs) / build_s,
            "qps": len(queries) / run_s, "p50": p50, "p95": p95, "p99": p99, "results": results}


def rescore_check(docs, queries, ours, args):
    """Largest relative difference between our top-k scores and a float64 Lucene BM25 (exact lengths)."""
    import math
    from collections import Counter

    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    stemmer = Stemmer.Stemmer("english")
    stop = set(STOPWORDS_EN)
    cache = {}

    def analyze(text):
        out = []
        for token in TOKEN.findall(text.lower()):
            if token in stop:
                continue
            stem = cache.get(token)
            if stem is None:
                stem = cache[token] = stemmer.stemWord(token)
            out.append(stem)
        return out

    tfs, lengths, df = {}, {}, Counter()
    for doc_id, text in docs:
        terms = analyze(text)
        counts = Counter(terms)
        tfs[str(doc_id)] = counts
        lengths[str(doc_id)] = len(terms)
        df.update(counts.keys())
    n = len(docs)
    avgdl = sum(lengths.values()) / n
    worst = 0.0
    for (_, query), ids, scores in zip(queries, ours["results"], ours["scores"]):
        terms = analyze(query)
        for doc_id, score in zip(ids, scores):
            counts, dl, want = tfs[str(doc_id)], lengths[str(doc_id)], 0.0
            for term in terms:
                tf = counts.get(term, 0)
                if tf:
                    idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                    want += idf * tf / (tf + args.k1 * (1 - args.b + args.b * dl / avgdl))
            worst = max(worst, abs(score - want) / max(abs(want), 1e-12))
    return worst


def overlap(ours, theirs):
    total = 0.0
    for a, b in zip(ours, theirs):
        a, b = set(map(str, a)), set(map(str, b))
        total += 1.0 if not a and not b else len(a & b) / max(len(a), len(b))
    return total / max(len(ours), 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--k1", type=float, default=1.2)
    parser.add_argument("--b", type=float, default=0.75)
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "..", "..", ".build", "release", "campus-search"))
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed passes per engine; QPS is the best pass's, percentiles pool all (default 3)")
    parser.add_argument("--json", help="write every row (without result lists) to this file")
    args = parser.parse_args()

    docs = read_jsonl(args.corpus, "text")
    queries = read_jsonl(args.queries, "query")
    ours = run_campus_search(args.binary, args)
    peers = [run_tantivy(docs, queries, args), run_bm25s(docs, queries, args)]

    print(f"\n{len(docs)} documents, {len(queries)} queries, top-{args.k}, k1 {args.k1}, b {args.b}, one thread\n")
    header = ("| engine | build s | build docs/s | QPS | p50 µs | p95 µs | p99 µs | our QPS ratio | top-10 overlap |")
    print(header)
    print("|" + "---|" * 9)
    rows = []
    for row in [ours] + peers:
        ratio = ours["qps"] / row["qps"]
        ov = overlap(ours["results"], row["results"])
        rows.append({k: v for k, v in row.items() if k not in ("results", "scores")} | {"ratio": ratio, "overlap": ov})
        print(f"| {row['engine']} | {row['build_s']:.2f} | {row['docs_per_s']:,.0f} | {row['qps']:,.0f} | "
              f"{row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} | "
              f"{'—' if row is ours else f'{ratio:.2f}'} | {'—' if row is ours else f'{ov:.4f}'} |")
    print(f"\nmax relative difference of our top-{args.k} scores from a float64 Lucene BM25 re-scorer: "
          f"{rescore_check(docs, queries, ours, args):.2e}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
