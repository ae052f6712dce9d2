"""Token counts without a tokenizer download: a conservative estimate is enough to budget."""

from __future__ import annotations

import re

_WORDS = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """Counts words and punctuation, plus a quarter for sub-word splits of long words.

    BPE tokenizers spend about 1.3 tokens per English word; this errs on the high side so
    that a prompt judged to fit does fit.
    """
    pieces = _WORDS.findall(text)
    long_words = sum(1 for piece in pieces if len(piece) > 6)
    return len(pieces) + long_words // 2 + len(pieces) // 4


def fits(text: str, budget: int) -> bool:
    return estimate_tokens(text) <= budget
