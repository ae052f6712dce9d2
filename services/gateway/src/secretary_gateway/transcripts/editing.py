"""Edits of a transcript that keep its timings: words replaced (a replaced run spreads over
the time it took), segments split and joined, a segment given to another speaker. Pure
functions on the transcript; each edit's indexes are read on the transcript as the edits
before it in the same request left it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator
from secretary_contracts import Transcript, TranscriptSegment, TranscriptWord
from secretary_contracts.speakers import speaker_labels
from secretary_contracts.text import join_words

MAX_EDITS = 500
MAX_TEXT = 2000
# what one request may add, in words: a page's worth of corrections, not a second transcript
MAX_WORDS_ADDED = 2000
# what an edited transcript may hold at all: more than anyone says in its duration (people
# speak about 2.5 words a second; a fast talker 4) plus room for notes
MAX_WORDS_PER_SECOND = 6.0
WORDS_BEYOND_DURATION = 1000


class ReplaceWords(BaseModel):
    """Words `first_word`..`last_word` (inclusive) of a segment become `text`; an empty text
    removes them."""

    op: Literal["replace"]
    segment: int = Field(ge=0)
    first_word: int = Field(ge=0)
    last_word: int = Field(ge=0)
    text: str = Field(max_length=MAX_TEXT)


class SplitSegment(BaseModel):
    """The segment becomes two, the second starting at word `before_word`."""

    op: Literal["split"]
    segment: int = Field(ge=0)
    before_word: int = Field(ge=1)


class JoinSegments(BaseModel):
    """The segment and the one after it become one (both of the same speaker)."""

    op: Literal["join"]
    segment: int = Field(ge=0)


class SetSpeaker(BaseModel):
    """The segment, and each of its words, was said by `speaker` (a label of the recording)."""

    op: Literal["speaker"]
    segment: int = Field(ge=0)
    speaker: str


Edit = Annotated[ReplaceWords | SplitSegment | JoinSegments | SetSpeaker, Field(discriminator="op")]


class TranscriptEdits(BaseModel):
    revision: int = Field(
        ge=0, description="The revision the edits were made on; another one answers 409."
    )
    edits: list[Edit] = Field(min_length=1, max_length=MAX_EDITS)

    @model_validator(mode="after")
    def _written_in_bounds(self) -> Self:
        # refused before any work is done: replacing words one for one writes no more than
        # twice what may be added
        written = sum(len(e.text.split()) for e in self.edits if isinstance(e, ReplaceWords))
        if written > 2 * MAX_WORDS_ADDED:
            raise ValueError(
                f"the edits write {written} words; one request may write at most"
                f" {2 * MAX_WORDS_ADDED}"
            )
        return self


class EditError(ValueError):
    """An edit that does not fit the transcript it is applied to."""


class EditTooLarge(EditError):
    """Edits that would make the transcript grow past what it may hold."""


def word_count(transcript: Transcript) -> int:
    return sum(len(segment.words) for segment in transcript.segments)


def most_words(transcript: Transcript) -> int:
    return int(transcript.duration_s * MAX_WORDS_PER_SECOND) + WORDS_BEYOND_DURATION


def _check_growth(before: Transcript, after: Transcript) -> None:
    added = word_count(after) - word_count(before)
    if added > MAX_WORDS_ADDED:
        raise EditTooLarge(
            f"These edits add {added} words; one request may add at most {MAX_WORDS_ADDED}."
        )
    if added > 0 and word_count(after) > most_words(before):
        raise EditTooLarge(
            f"The transcript would hold {word_count(after)} words, more than the"
            f" {most_words(before)} a recording of {before.duration_s:.0f} s may have."
        )


def _segment(transcript: Transcript, index: int) -> TranscriptSegment:
    if index >= len(transcript.segments):
        raise EditError(f"No segment {index}: the transcript has {len(transcript.segments)}.")
    return transcript.segments[index]


def _rebuilt(segment: TranscriptSegment, words: list[TranscriptWord]) -> TranscriptSegment:
    """The segment with these words: its text, times and confidence follow them; a segment a
    person corrected is no longer flagged as doubtful."""
    scores = [w.score for w in words if w.score is not None]
    return segment.model_copy(
        update={
            "words": words,
            "text": join_words(words),
            "start": min(segment.start, words[0].start) if words else segment.start,
            "end": max(segment.end, words[-1].end) if words else segment.end,
            "confidence": round(sum(scores) / len(scores), 3) if scores else None,
            "flags": [],
        }
    )


def spread(text: str, start: float, end: float, speaker: str | None) -> list[TranscriptWord]:
    """New words over [start, end], each taking time in proportion to its length."""
    tokens = text.split()
    weights = [len(token) + 1 for token in tokens]
    total = sum(weights)
    words, at = [], start
    for token, weight in zip(tokens, weights, strict=True):
        length = (end - start) * weight / total
        words.append(
            TranscriptWord(
                start=round(at, 3), end=round(at + length, 3), word=token, speaker=speaker
            )
        )
        at += length
    return words


def _replace(transcript: Transcript, edit: ReplaceWords) -> list[TranscriptWord]:
    """Returns the words replaced."""
    segment = _segment(transcript, edit.segment)
    words = segment.words
    if not edit.first_word <= edit.last_word < len(words):
        raise EditError(
            f"Segment {edit.segment} has words 0 to {len(words) - 1}; "
            f"{edit.first_word}..{edit.last_word} is not among them."
        )
    replaced = words[edit.first_word : edit.last_word + 1]
    new = spread(edit.text, replaced[0].start, replaced[-1].end, segment.speaker)
    kept = [*words[: edit.first_word], *new, *words[edit.last_word + 1 :]]
    if kept:
        transcript.segments[edit.segment] = _rebuilt(segment, kept)
    else:
        del transcript.segments[edit.segment]
    return replaced


def _split(transcript: Transcript, edit: SplitSegment) -> None:
    segment = _segment(transcript, edit.segment)
    if edit.before_word >= len(segment.words):
        raise EditError(
            f"Segment {edit.segment} has {len(segment.words)} words: it splits before word 1"
            f" to {len(segment.words) - 1}."
        )
    first, second = segment.words[: edit.before_word], segment.words[edit.before_word :]
    head = _rebuilt(segment.model_copy(update={"end": first[-1].end}), first)
    tail = _rebuilt(segment.model_copy(update={"start": second[0].start}), second)
    transcript.segments[edit.segment : edit.segment + 1] = [head, tail]


def _join(transcript: Transcript, edit: JoinSegments) -> None:
    segment = _segment(transcript, edit.segment)
    following = _segment(transcript, edit.segment + 1)
    if segment.speaker != following.speaker:
        raise EditError(
            f"Segments {edit.segment} and {edit.segment + 1} have different speakers; give"
            " them one speaker first."
        )
    joined = segment.model_copy(update={"end": max(segment.end, following.end)})
    transcript.segments[edit.segment : edit.segment + 2] = [
        _rebuilt(joined, [*segment.words, *following.words])
    ]


def _set_speaker(transcript: Transcript, edit: SetSpeaker, labels: list[str]) -> None:
    segment = _segment(transcript, edit.segment)
    if edit.speaker not in labels:
        raise EditError(
            f"No speaker {edit.speaker!r} in this recording (it has {', '.join(labels)})."
        )
    words = [w.model_copy(update={"speaker": edit.speaker}) for w in segment.words]
    transcript.segments[edit.segment] = segment.model_copy(
        update={"speaker": edit.speaker, "words": words}
    )


@dataclass(frozen=True)
class Edited:
    transcript: Transcript
    rewritten: list[tuple[str, list[str]]]
    """Each replacement's new text, with the words it replaced."""


def edit_transcript(transcript: Transcript, edits: list[Edit]) -> Edited:
    """A new transcript with `edits` applied in order (the one given is left as it was)."""
    edited = transcript.model_copy(deep=True)
    labels = speaker_labels(transcript)
    rewritten: list[tuple[str, list[str]]] = []
    for number, edit in enumerate(edits):
        try:
            if isinstance(edit, ReplaceWords):
                replaced = _replace(edited, edit)
                rewritten.append((edit.text, [w.word for w in replaced]))
            elif isinstance(edit, SplitSegment):
                _split(edited, edit)
            elif isinstance(edit, JoinSegments):
                _join(edited, edit)
            else:
                _set_speaker(edited, edit, labels)
        except EditError as error:
            raise EditError(f"Edit {number} ({edit.op}): {error}") from error
    _check_growth(transcript, edited)
    return Edited(edited, rewritten)


def apply_edits(transcript: Transcript, edits: list[Edit]) -> Transcript:
    return edit_transcript(transcript, edits).transcript


_PUNCTUATION = ".,;:!?\"'()[]«»„“”…"


def new_terms(rewritten: list[tuple[str, list[str]]], known: list[str]) -> list[str]:
    """Names and terms the edits wrote that the words they replaced did not have and the
    owner's vocabulary lacks: written with a capital or a digit (`Anna-Maria`, `K8s`)."""
    known_folded = {term.casefold() for term in known}
    found: list[str] = []
    for text, replaced_words in rewritten:
        replaced = {word.strip(_PUNCTUATION).casefold() for word in replaced_words}
        for token in text.split():
            term = token.strip(_PUNCTUATION)
            folded = term.casefold()
            if (
                term
                and (term[0].isupper() or any(c.isdigit() for c in term))
                and folded not in replaced
                and folded not in known_folded
            ):
                known_folded.add(folded)
                found.append(term)
    return found
