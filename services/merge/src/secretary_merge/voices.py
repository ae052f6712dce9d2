"""Recognising a recording's speakers among the owner's people (ADR 0008): each speaker is
scored against each person as the best cosine over that person's enrolments; names are
given one to one, so two speakers of one recording never become the same person."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from secretary_contracts import Speaker, SpeakerMatch, SpeakerVoice
from secretary_contracts.voiceprints import VoiceprintPerson


@dataclass(frozen=True)
class Thresholds:
    name_at: float
    """From this score on the person's name is given."""
    suggest_at: float
    """From this score on (and below `name_at`) the person is only suggested."""


def recognise(
    voices: list[SpeakerVoice], people: list[VoiceprintPerson], thresholds: Thresholds
) -> dict[str, tuple[VoiceprintPerson, SpeakerMatch]]:
    """Speaker label -> the person it was recognised as (or suggested to be), with the match."""
    people = [p for p in people if p.embeddings]
    if not voices or not people:
        return {}
    speakers = np.array([v.embedding for v in voices], dtype=np.float64)
    scores = np.array(
        [
            (speakers @ np.array(person.embeddings, dtype=np.float64).T).max(axis=1)
            for person in people
        ]
    ).T
    rows, columns = linear_sum_assignment(-scores)
    recognised = {}
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        score = float(scores[row, column])
        if score >= thresholds.suggest_at:
            match = SpeakerMatch(score=round(score, 3), applied=score >= thresholds.name_at)
            recognised[voices[row].speaker] = (people[column], match)
    return recognised


def named_speakers(
    speakers: list[Speaker],
    recognised: dict[str, tuple[VoiceprintPerson, SpeakerMatch]],
) -> list[Speaker]:
    """The transcript's speakers with the recognised people: named where the match is
    applied, only pointed at (`person_id`, `match`) where it is a suggestion."""
    named = []
    for speaker in speakers:
        found = recognised.get(speaker.id)
        if found is None:
            named.append(speaker)
            continue
        person, match = found
        named.append(
            speaker.model_copy(
                update={
                    "name": person.name if match.applied else speaker.name,
                    "person_id": person.person_id,
                    "match": match,
                }
            )
        )
    return named
