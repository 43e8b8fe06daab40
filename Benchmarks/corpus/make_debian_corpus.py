#!/usr/bin/env python3
"""Builds a BM25 benchmark corpus from Debian's package descriptions (text nobody here wrote).

Source: the English description translations APT downloads (`Translation-en`): every package's
one-line summary and its long description. The long descriptions are cut into paragraphs (Debian
separates them with " ."), each distinct paragraph of at least --min-chars characters is one passage.
Queries are the one-line summaries of a seeded random sample of packages ("find the package").

    python3 Benchmarks/corpus/make_debian_corpus.py            # writes Benchmarks/data/debian-*.jsonl

Output (JSONL, git-ignored):
  Benchmarks/data/debian-corpus.jsonl   {"id": "<package>#<paragraph>", "text": "..."}
  Benchmarks/data/debian-queries.jsonl  {"id": "<package>", "query": "<summary>"}

If APT has no Translation-en lists yet, the script runs
`apt-get update -o Acquire::Languages=en` (needs root) to fetch them.
"""
import argparse
import glob
import json
import os
import random
import subprocess
import sys

LISTS = "/var/lib/apt/lists"


def translation_files():
    return sorted(glob.glob(os.path.join(LISTS, "*_i18n_Translation-en*")))


def read_records(path):
    """Yields (package, summary, long_lines) from one Translation-en file (any compression APT uses)."""
    text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True,
                          capture_output=True).stdout.decode("utf-8", errors="replace")
    for stanza in text.split("\n\n"):
        package, summary, long_lines, in_description = None, None, [], False
        for line in stanza.split("\n"):
            if line.startswith("Package:"):
                package = line.split(":", 1)[1].strip()
                in_description = False
            elif line.startswith("Description-en:"):
                summary = line.split(":", 1)[1].strip()
                in_description = True
            elif line.startswith(" ") and in_description:
                long_lines.append(line[1:])
            else:
                in_description = False
        if package and summary:
            yield package, summary, long_lines


def paragraphs(long_lines):
    current = []
    for line in long_lines:
        if line.strip() == ".":
            if current:
                yield " ".join(current)
            current = []
        else:
            current.append(line.strip())
    if current:
        yield " ".join(current)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out-dir", default=os.path.join(here, "..", "data"))
    parser.add_argument("--queries", type=int, default=2000, help="number of queries (default 2000)")
    parser.add_argument("--min-chars", type=int, default=40, help="shortest passage kept (default 40)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    files = translation_files()
    if not files:
        print("make_debian_corpus: no Translation-en lists; running apt-get update -o Acquire::Languages=en",
              file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq", "-o", "Acquire::Languages=en"], check=True)
        files = translation_files()
    if not files:
        sys.exit("make_debian_corpus: APT produced no Translation-en lists")

    passages, seen_text, summaries, seen_package = [], set(), [], set()
    for path in files:
        for package, summary, long_lines in read_records(path):
            if package in seen_package:
                continue
            seen_package.add(package)
            summaries.append((package, summary))
            for number, text in enumerate(paragraphs(long_lines)):
                if len(text) < args.min_chars or text in seen_text:
                    continue
                seen_text.add(text)
                passages.append({"id": f"{package}#{number}", "text": text})

    rng = random.Random(args.seed)
    distinct = {}
    for package, summary in summaries:
        distinct.setdefault(summary.lower(), (package, summary))
    pool = sorted(distinct.values())
    chosen = rng.sample(pool, min(args.queries, len(pool)))

    os.makedirs(args.out_dir, exist_ok=True)
    corpus_path = os.path.join(args.out_dir, "debian-corpus.jsonl")
    query_path = os.path.join(args.out_dir, "debian-queries.jsonl")
    with open(corpus_path, "w", encoding="utf-8") as out:
        for passage in passages:
            out.write(json.dumps(passage, ensure_ascii=False) + "\n")
    with open(query_path, "w", encoding="utf-8") as out:
        for package, summary in chosen:
            out.write(json.dumps({"id": package, "query": summary}, ensure_ascii=False) + "\n")
    words = sum(len(p["text"].split()) for p in passages)
    print(f"{len(passages)} passages ({words / max(len(passages), 1):.1f} words each) -> {corpus_path}")
    print(f"{len(chosen)} queries -> {query_path}")


if __name__ == "__main__":
    main()
