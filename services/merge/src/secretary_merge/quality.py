"""Where a transcript's text is not to be trusted (pure logic)."""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_PHRASE_WORDS = 8


def _normalised(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def repeated_word_indexes(
    words: Sequence[str], times: int, longest: int = MAX_PHRASE_WORDS
) -> set[int]:
    """Indexes of words inside a phrase of 1..`longest` words said `times` or more times in a
    row: Whisper's hallucination loop ("Thank you. Thank you. Thank you. Thank you.")."""
    tokens = [_normalised(w) for w in words]
    flagged: set[int] = set()
    for size in range(1, longest + 1):
        start = 0
        while start + size * times <= len(tokens):
            phrase = tokens[start : start + size]
            if not any(phrase):
                start += 1
                continue
            repeats = 1
            while tokens[start + repeats * size : start + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats >= times:
                flagged.update(range(start, start + repeats * size))
                start += repeats * size
            else:
                start += 1
    return flagged
