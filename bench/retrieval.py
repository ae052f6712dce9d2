"""Retrieval benchmark: planted facts in long generated meetings, recall@k.

    python bench/retrieval.py --hours 2 3

For each planted question, the passage holding the answer must rank among the first k.
Also reports how the ranking's two signals do alone (embeddings only, BM25 only), and what
expanding a question's words to the meeting's near-synonyms adds.
"""

from __future__ import annotations

import argparse
import time

from secretary_llm.passages import passages
from secretary_llm.retrieval import MiniLmEmbedder, PassageIndex
from secretary_testing.transcripts import planted_meeting

KS = (1, 2, 4, 8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, nargs="+", default=[2.0, 3.0])
    args = parser.parse_args()
    embedder = MiniLmEmbedder()
    print(
        "| meeting | passages | ranking | index time | "
        + " | ".join(f"recall@{k}" for k in KS)
        + " |"
    )
    print("| --- | --- | --- | --- | " + " | ".join("---" for _ in KS) + " |")
    for hours in args.hours:
        transcript, facts = planted_meeting(hours=hours)
        cut = passages(transcript)
        for label, weight, expansion in (
            ("hybrid, expanded words (default)", 0.7, 0.6),
            ("hybrid, exact words only", 0.7, 1.01),
            ("embeddings only", 1.0, 1.01),
            ("BM25, expanded words", 0.0, 0.6),
            ("BM25, exact words only", 0.0, 1.01),
        ):
            started = time.monotonic()
            index = PassageIndex(
                cut, embedder, semantic_weight=weight, expansion_similarity=expansion
            )
            took = time.monotonic() - started
            ranks = []
            for fact in facts:
                holding = next(
                    p.index for p in cut if any(s.text == fact.statement for s in p.segments)
                )
                ranks.append(index.rank(fact.question).index(holding) + 1)
            recalls = [sum(r <= k for r in ranks) / len(ranks) for k in KS]
            print(
                f"| {hours:g} h | {len(cut)} | {label} | {took:.1f} s | "
                + " | ".join(f"{r:.0%}" for r in recalls)
                + " |"
            )


if __name__ == "__main__":
    main()
