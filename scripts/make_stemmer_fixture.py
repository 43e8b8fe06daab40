#!/usr/bin/env python3
"""Writes (word, stem) pairs for the Swift Snowball English stemmer tests.

The stems come from PyStemmer (`pip install PyStemmer`), the C build of the published Snowball
English algorithm. The words come from a word list given on the command line: Snowball's own English
vocabulary (`voc.txt` of the snowball-data repository) or a dictionary such as Debian's wamerican
(/usr/share/dict/words). Every `--every`-th word is kept, plus every word that exercises an
exception of the algorithm, so the fixture stays a few thousand lines.

    python3 scripts/make_stemmer_fixture.py voc.txt > Tests/SearchTests/Fixtures/snowball-english.tsv
"""
import argparse
import sys

import Stemmer

SPECIAL_PREFIXES = ("gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter")
SPECIAL_WORDS = {
    "skis", "skies", "sky", "idly", "gently", "ugly", "early", "only", "singly", "news", "howe", "atlas",
    "cosmos", "bias", "andes", "dying", "lying", "tying", "vying", "inning", "outing", "canning", "herring",
    "earring", "evening", "proceed", "exceed", "succeed", "proceeding", "exceedingly", "agreed", "feed",
    "pasted", "pasting", "geologist", "biologist", "added", "erred", "egged", "ebbed", "cries", "ties",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wordlist")
    parser.add_argument("--every", type=int, default=6, help="keep every N-th word (default 6)")
    args = parser.parse_args()
    stemmer = Stemmer.Stemmer("english")
    words = []
    with open(args.wordlist, encoding="utf-8") as handle:
        for line in handle:
            word = line.strip().lower()
            if word:
                words.append(word)
    kept = []
    seen = set()
    for i, word in enumerate(words):
        if word in seen:
            continue
        if i % args.every == 0 or word in SPECIAL_WORDS or word.startswith(SPECIAL_PREFIXES):
            kept.append(word)
            seen.add(word)
    for word in sorted(SPECIAL_WORDS - seen):
        kept.append(word)
    out = sys.stdout
    out.write(f"# word<TAB>stem, from PyStemmer {Stemmer.version()} (Snowball English); {len(kept)} pairs\n")
    for word in kept:
        out.write(f"{word}\t{stemmer.stemWord(word)}\n")


if __name__ == "__main__":
    main()
