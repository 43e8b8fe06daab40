#!/usr/bin/env python3
"""Native embeddings (campus-search) beside sentence-transformers on PyTorch CPU, same texts, same threads.

Measures, for both engines:
  * batch throughput (sentences/s) over N passages (Debian package descriptions: the short description
    plus the first paragraph of the long one), batch size B, T threads;
  * single short-query latency (p50/p95/p99 ms) on one thread over Q queries of at most 16 word pieces;
and checks that both engines agree (min cosine over a sample of passages).

Setup (once):
  python3 -m venv Benchmarks/.venv
  Benchmarks/.venv/bin/pip install torch==2.13.0+cpu sentence-transformers
  apt-get update -o Acquire::Languages=en     # the long descriptions live in Translation-en
  swift build -c release
Run:
  Benchmarks/.venv/bin/python Benchmarks/peers/embed_peers.py --threads 2
  # long texts: the 52 chunks the pipeline cuts from Tests/DocumentsTests/Fixtures/report.pdf (throughput only)
  Benchmarks/.venv/bin/python Benchmarks/peers/embed_peers.py --threads 2 --passages-file Benchmarks/documents/report_chunks.jsonl
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "Benchmarks" / "data"
MODEL = ROOT / "data" / "models" / "all-MiniLM-L6-v2"
BINARY = ROOT / ".build" / "release" / "campus-search"


def translation_files():
    lists = Path("/var/lib/apt/lists")
    return sorted(lists.glob("*_main_i18n_Translation-en*"))


def read_descriptions():
    files = translation_files()
    if not files:
        sys.exit("no Translation-en lists: run `apt-get update -o Acquire::Languages=en` first")
    seen, result = set(), []
    for path in files:
        text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", str(path)],
                              check=True, capture_output=True, text=True).stdout
        for stanza in text.split("\n\n"):
            lines = stanza.split("\n")
            short, long_lines, in_desc = None, [], False
            for line in lines:
                if line.startswith("Description-en:"):
                    short, in_desc = line.split(":", 1)[1].strip(), True
                elif in_desc and line.startswith(" "):
                    if line.strip() == ".":
                        break  # first paragraph only
                    long_lines.append(line.strip())
                elif in_desc:
                    break
            if short and short not in seen:
                seen.add(short)
                result.append((short, " ".join(long_lines)))
    return result


def make_corpus(n_passages, n_queries, tokenizer):
    DATA.mkdir(parents=True, exist_ok=True)
    passages_path = DATA / f"embed_passages_{n_passages}.jsonl"
    queries_path = DATA / f"embed_queries_{n_queries}.jsonl"
    if passages_path.exists() and queries_path.exists():
        return passages_path, queries_path
    descriptions = read_descriptions()
    rng = random.Random(42)
    rng.shuffle(descriptions)
    with_long = [(s, l) for s, l in descriptions if l]
    passages = [f"{s}. {l}" for s, l in with_long[:n_passages]]
    queries = []
    for short, _ in descriptions[n_passages:]:
        if len(tokenizer(short)["input_ids"]) <= 16:
            queries.append(short)
        if len(queries) == n_queries:
            break
    for path, texts in ((passages_path, passages), (queries_path, queries)):
        with open(path, "w") as f:
            for t in texts:
                f.write(json.dumps({"text": t}) + "\n")
    return passages_path, queries_path


def load_texts(path):
    with open(path) as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def percentile(values, p):
    values = sorted(values)
    rank = max(0, min(len(values) - 1, int(-(-p * len(values) // 1)) - 1))
    return values[rank]


def run_peer(model, passages, queries, threads, batch, warmup):
    import torch
    torch.set_num_threads(threads)
    model.encode(passages[:warmup], batch_size=batch)
    start = time.perf_counter()
    vectors = model.encode(passages, batch_size=batch, convert_to_numpy=True)
    seconds = time.perf_counter() - start
    torch.set_num_threads(1)
    for q in queries[:20]:
        model.encode([q])
    latencies = []
    for q in queries:
        t = time.perf_counter()
        model.encode([q])
        latencies.append((time.perf_counter() - t) * 1000)
    if not latencies:
        latencies = [float("nan")]
    return {
        "engine": "sentence-transformers (PyTorch %s CPU)" % torch.__version__,
        "passages": len(passages), "threads": threads, "batch": batch, "seconds": seconds,
        "sentences_per_second": len(passages) / seconds,
        "query_p50_ms": percentile(latencies, 0.50), "query_p95_ms": percentile(latencies, 0.95),
        "query_p99_ms": percentile(latencies, 0.99),
    }, vectors


def run_ours(passages_path, queries_path, threads, batch, warmup):
    cmd = [str(BINARY), "bench", "embed", "--input", str(passages_path),
           "--model", str(MODEL), "--threads", str(threads), "--batch", str(batch), "--warmup", str(warmup)]
    if queries_path is not None:
        cmd += ["--queries", str(queries_path)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def our_vectors(texts):
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([str(BINARY), "embed", "--model", str(MODEL)], input=lines,
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line)["embedding"] for line in out.splitlines()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=64)
    parser.add_argument("--check", type=int, default=200, help="passages compared between engines")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--passages-file", help="JSON lines {\"text\"} to embed instead of the Debian corpus "
                        "(no query latency then)")
    args = parser.parse_args()

    if not BINARY.exists():
        sys.exit(f"{BINARY} missing: run `swift build -c release`")
    from sentence_transformers import SentenceTransformer
    import numpy as np
    model = SentenceTransformer(str(MODEL), device="cpu")
    if args.passages_file:
        passages_path, queries_path = Path(args.passages_file), None
        passages, queries = load_texts(passages_path), []
        args.warmup = min(args.warmup, len(passages))
    else:
        passages_path, queries_path = make_corpus(args.passages, args.queries, model.tokenizer)
        passages, queries = load_texts(passages_path), load_texts(queries_path)
    tokens = sum(len(model.tokenizer(p, truncation=True, max_length=256)["input_ids"]) for p in passages)
    print(f"corpus: {len(passages)} passages, {tokens} tokens ({tokens / len(passages):.1f}/passage), "
          f"{len(queries)} queries; threads={args.threads} batch={args.batch}", flush=True)

    ours = run_ours(passages_path, queries_path, args.threads, args.batch, args.warmup)
    print("campus-search:", json.dumps(ours), flush=True)
    rows = [ours]
    if not args.skip_peer:
        peer, peer_vectors = run_peer(model, passages, queries, args.threads, args.batch, args.warmup)
        print("peer:", json.dumps(peer), flush=True)
        rows.append(peer)
        sample = passages[: args.check]
        mine = np.array(our_vectors(sample), dtype=np.float64)
        theirs = peer_vectors[: args.check].astype(np.float64)
        cos = (mine * theirs).sum(1) / (np.linalg.norm(mine, axis=1) * np.linalg.norm(theirs, axis=1))
        print(f"agreement over {len(sample)} passages: min cosine {cos.min():.7f}, "
              f"max abs diff {np.abs(mine - theirs).max():.2e}")

    print()
    print("| engine | threads | sentences/s | query p50 ms | query p95 ms |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['threads']} | {r['sentences_per_second']:.1f} | "
              f"{r.get('query_p50_ms', float('nan')):.2f} | {r.get('query_p95_ms', float('nan')):.2f} |")
    if len(rows) == 2:
        print(f"\nthroughput ratio campus-search / sentence-transformers: "
              f"{rows[0]['sentences_per_second'] / rows[1]['sentences_per_second']:.2f}")


if __name__ == "__main__":
    main()
