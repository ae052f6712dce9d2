"""Checks the `[mm:ss] Speaker` citations of an answer against the transcript."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secretary_contracts import Citation, Transcript

from secretary_llm.passages import speaker_name

# [12:34] Maria, [1:02:03] SPEAKER_01, [12:34 Maria] -- the speaker is the next word or two
_CITATION = re.compile(
    r"\[(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,2}):(?P<s>\d{2})\]?\s*(?P<who>[^\]\n:,.;()!?]{1,40}?)"
    r"(?=\]|[:,.;()\n!?]|\s{2}|$| (?:said|says|asked|mentioned|noted|stated|and|that)\b)"
)


@dataclass(frozen=True)
class CitationCheck:
    valid: list[Citation]
    rejected: list[str]


def check_citations(answer: str, transcript: Transcript, tolerance_s: float = 5.0) -> CitationCheck:
    """Keeps the citations that point at speech by that speaker near that time.

    A citation is valid when a segment of the named speaker (name or label, any case) starts
    within `tolerance_s` of the cited moment or contains it.
    """
    valid: list[Citation] = []
    rejected: list[str] = []
    seen: set[tuple[float, str]] = set()
    for match in _CITATION.finditer(answer):
        moment = int(match["h"] or 0) * 3600 + int(match["m"]) * 60 + int(match["s"])
        who = match["who"].strip().lower()
        best = None
        for segment in transcript.segments:
            names = {
                (segment.speaker or "").lower(),
                speaker_name(transcript, segment.speaker).lower(),
            }
            if who not in names:
                continue
            inside = segment.start - tolerance_s <= moment <= segment.end + tolerance_s
            if inside and (best is None or abs(segment.start - moment) < abs(best.start - moment)):
                best = segment
        if best is None:
            rejected.append(match.group(0).strip())
            continue
        key = (best.start, best.speaker or "")
        if key not in seen:
            seen.add(key)
            valid.append(
                Citation(
                    start=best.start,
                    end=best.end,
                    speaker=speaker_name(transcript, best.speaker),
                    text=best.text,
                )
            )
    return CitationCheck(valid=valid, rejected=rejected)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def unsupported_sentences(
    answer: str, transcript: Transcript, tolerance_s: float = 5.0
) -> list[str]:
    """The sentences of an answer that cite nothing found in the transcript. A sentence made
    only of citations belongs to the one before it."""
    sentences: list[str] = []
    for piece in (p.strip() for p in _SENTENCE_END.split(answer.strip())):
        if not piece:
            continue
        if sentences and not _CITATION.sub("", piece).strip(" ,.;:()[]-"):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s for s in sentences if not check_citations(s, transcript, tolerance_s).valid]
