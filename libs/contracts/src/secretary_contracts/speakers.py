"""Speaker names an owner gives: `{"SPEAKER_00": "Maria"}` renames a label; a label mapped to
another label (`{"SPEAKER_02": "SPEAKER_00"}`), or two labels given the same name, merges them.

Applied when a transcript is read (REST, exports, Telegram, answers); the stored transcript
keeps the labels the pipeline found.
"""

from __future__ import annotations

import re

from secretary_contracts.artifacts import Speaker, Transcript

LABEL = re.compile(r"\bSPEAKER_\d+\b")


def speaker_labels(transcript: Transcript) -> list[str]:
    labels = [s.id for s in transcript.speakers]
    for segment in transcript.segments:
        if segment.speaker and segment.speaker not in labels:
            labels.append(segment.speaker)
    return labels


def resolve_speakers(labels: list[str], names: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each label's (label it is shown as, name it is shown with)."""

    def merged_into(label: str) -> str:
        seen = {label}
        while (target := names.get(label)) in labels and target not in seen:
            label = target
            seen.add(label)
        return label

    def name_of(label: str) -> str:
        given = names.get(label)
        return given if given and given not in labels else label

    shown = {label: name_of(merged_into(label)) for label in labels}
    first_with_name: dict[str, str] = {}
    for label in labels:
        first_with_name.setdefault(shown[label], label)
    return {label: (first_with_name[shown[label]], shown[label]) for label in labels}


def apply_speaker_names(transcript: Transcript, names: dict[str, str]) -> Transcript:
    """The owner's names over the ones recognised by voice: a label the owner named or merged
    is theirs; any other keeps the person it was recognised as (or suggested to be)."""
    if not names:
        return transcript
    originals = {s.id: s for s in transcript.speakers}
    recognised = {label: s.name for label, s in originals.items() if s.name}
    labels = speaker_labels(transcript)
    resolved = resolve_speakers(labels, {**recognised, **names})
    renamed = transcript.model_copy(deep=True)
    for segment in renamed.segments:
        if segment.speaker in resolved:
            segment.speaker = resolved[segment.speaker][0]
        for word in segment.words:
            if word.speaker in resolved:
                word.speaker = resolved[word.speaker][0]
    speakers: dict[str, Speaker] = {}
    for label in labels:
        canonical, name = resolved[label]
        shown = None if name == canonical else name
        original = originals.get(canonical)
        if original is not None and canonical not in names:
            speakers.setdefault(canonical, original.model_copy(update={"name": shown}))
        else:
            speakers.setdefault(canonical, Speaker(id=canonical, name=shown))
    renamed.speakers = list(speakers.values())
    return renamed


def rename_in_text(text: str, labels: list[str], names: dict[str, str]) -> str:
    """Replaces speaker labels written in free text (a summary's action items) by names."""
    if not names:
        return text
    resolved = resolve_speakers(labels, names)
    return LABEL.sub(lambda m: resolved[m.group()][1] if m.group() in resolved else m.group(), text)
