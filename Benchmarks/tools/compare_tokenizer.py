#!/usr/bin/env python3
"""Compares campus-search's WordPiece ids with Hugging Face's fast BERT tokenizer (what
sentence-transformers uses) on the benchmark passages plus random Unicode stress strings.

  Benchmarks/.venv/bin/python Benchmarks/tools/compare_tokenizer.py [--random 3000]
Needs a release build (.build/release/campus-search) and the model in data/models/all-MiniLM-L6-v2.
"""
import argparse
import json
import random
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "data" / "models" / "all-MiniLM-L6-v2"
BINARY = ROOT / ".build" / "release" / "campus-search"

BLOCKS = [(0x20, 0x7E), (0x00, 0x1F), (0x80, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
          (0x590, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x2000, 0x206F),
          (0x2100, 0x22FF), (0x3000, 0x30FF), (0x4E00, 0x4EFF), (0xAC00, 0xAD00), (0xE000, 0xE010),
          (0xF900, 0xF9FF), (0xFE00, 0xFE4F), (0xFF00, 0xFFEF), (0x1F300, 0x1F6FF), (0x1D400, 0x1D4FF),
          (0x20000, 0x20100)]


def random_text(rng):
    parts = []
    for _ in range(rng.randint(1, 40)):
        lo, hi = rng.choice(BLOCKS)
        cp = rng.randint(lo, hi)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        parts.append(chr(cp))
        if rng.random() < 0.2:
            parts.append(" ")
    return "".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--random", type=int, default=3000)
    parser.add_argument("--passages", default=str(ROOT / "Benchmarks/data/embed_passages_10000.jsonl"))
    args = parser.parse_args()
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(MODEL))
    rng = random.Random(7)
    texts = [random_text(rng) for _ in range(args.random)]
    if Path(args.passages).exists():
        texts += [json.loads(l)["text"] for l in open(args.passages)]
    payload = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([str(BINARY), "embed", "--model", str(MODEL), "--threads", "2"], input=payload,
                         check=True, capture_output=True, text=True).stdout.splitlines()
    mismatches = 0
    for text, line in zip(texts, out):
        ours = json.loads(line)["input_ids"]
        theirs = tok(text, truncation=True, max_length=256)["input_ids"]
        if ours != theirs:
            mismatches += 1
            if mismatches <= 10:
                print("MISMATCH", repr(text)[:200])
                print("  ours  ", ours[:40])
                print("  theirs", theirs[:40])
    print(f"{len(texts)} texts, {mismatches} mismatches")


if __name__ == "__main__":
    main()
