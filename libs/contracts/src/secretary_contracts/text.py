"""How recognised words are written together, the same in every transcript and export.

Speech models split `40,000` into `40` + `,000` and `2.3` into `2` + `.3`; the recogniser
knows which pieces were written without a space before them (`attached`), so the text reads
as the model meant it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class WordPiece(Protocol):
    @property
    def word(self) -> str: ...

    @property
    def attached(self) -> bool: ...


def join_words(words: Iterable[WordPiece]) -> str:
    parts: list[str] = []
    for piece in words:
        token = piece.word.strip()
        if not token:
            continue
        if parts and not piece.attached:
            parts.append(" ")
        parts.append(token)
    return "".join(parts)
