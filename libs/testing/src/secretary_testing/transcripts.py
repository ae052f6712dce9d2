"""Long generated meeting transcripts with facts planted at known places."""

from __future__ import annotations

import random
from dataclasses import dataclass

from secretary_contracts import Speaker, Transcript, TranscriptSegment

_SUBJECTS = [
    "the roadmap",
    "the budget",
    "the hiring plan",
    "the customer feedback",
    "the release",
    "the marketing campaign",
    "the office move",
    "the quarterly report",
    "the onboarding",
    "the vendor contract",
    "the security review",
    "the design system",
    "the pricing page",
    "the support queue",
    "the data migration",
    "the mobile app",
    "the partner program",
]
_FILLER = [
    "I think we should look at {s} again next week.",
    "Can someone share the latest numbers on {s}?",
    "We discussed {s} last time but nothing was decided.",
    "Let me check with the team about {s} and come back to you.",
    "There are a few open questions about {s}.",
    "I have not had time to read the document on {s} yet.",
    "Maybe we can move {s} to the next meeting.",
    "The slides about {s} are in the shared folder.",
    "Does anyone have concerns about {s}?",
    "We should keep an eye on {s} this month.",
]


@dataclass(frozen=True)
class PlantedFact:
    question: str
    statement: str
    segment_index: int
    start: float


FACTS = [
    (
        "Which city will host the offsite?",
        "We booked the offsite in Lisbon for the second week of June.",
    ),
    (
        "How much money did we approve for the new website?",
        "The board approved forty two thousand euros for the website rebuild.",
    ),
    ("Who is the new head of support?", "Priya Raman takes over as head of support from Monday."),
    ("When is the product launch?", "The launch date is fixed for the ninth of October."),
    (
        "Which database are we migrating to?",
        "We decided to migrate from MySQL to PostgreSQL before the audit.",
    ),
    (
        "What discount do partners get?",
        "Partners will get a fifteen percent discount on annual plans.",
    ),
    (
        "Why was the mobile release delayed?",
        "The mobile release slipped because the payment SDK failed certification.",
    ),
    (
        "Which vendor did we choose for translations?",
        "For translations we signed with Lingotek after the trial.",
    ),
    (
        "How many engineers will we hire this year?",
        "We will hire six backend engineers and two designers this year.",
    ),
    (
        "Where will the old servers go?",
        "The old servers get donated to the university lab in Porto.",
    ),
]


def planted_meeting(hours: float = 2.0, seed: int = 7) -> tuple[Transcript, list[PlantedFact]]:
    rng = random.Random(seed)
    speakers = [f"SPEAKER_{i:02d}" for i in range(4)]
    segments: list[TranscriptSegment] = []
    cursor = 0.0
    total = hours * 3600
    slots = sorted(rng.sample(range(20, int(total / 9) - 20), len(FACTS)))
    facts: list[PlantedFact] = []
    while cursor < total:
        index = len(segments)
        if slots and index == slots[0]:
            slots.pop(0)
            question, statement = FACTS[len(facts)]
            text = statement
            facts.append(PlantedFact(question, statement, index, round(cursor, 2)))
        else:
            text = " ".join(
                rng.choice(_FILLER).format(s=rng.choice(_SUBJECTS))
                for _ in range(rng.randint(1, 2))
            )
        duration = 3.0 + 0.35 * len(text.split())
        segments.append(
            TranscriptSegment(
                start=round(cursor, 2),
                end=round(cursor + duration, 2),
                speaker=speakers[index % len(speakers) if rng.random() < 0.7 else rng.randrange(4)],
                text=text,
                words=[],
            )
        )
        cursor += duration + rng.uniform(0.2, 1.5)
    return (
        Transcript(
            language="en",
            duration_s=round(cursor, 2),
            speakers=[Speaker(id=s) for s in speakers],
            segments=segments,
        ),
        facts,
    )
