"""Voiceprint calibration: is the same person recognised in the next recording, and is no one
given a name that is not theirs?

    python bench/voiceprints.py [--minutes 1.5] [--work /tmp/voiceprints]

Ten generated people (the English voice ladder of `secretary_testing.meetings`: five women,
five men, same-gender neighbours included), two of them never enrolled. Each half (seed 0:
tuning, seed 1: test) has three enrolment meetings that between them hold the eight enrolled
people once, and six identification meetings of three or four people each, with other texts,
other speaking orders and each meeting's own jitter of every voice. Every meeting goes
through the diarize stage as the service runs it; each speaker's voice (`DiarizationResult
.voices`) is tied to the person who spoke most of its speech. Enrolment keeps one embedding
per person and recording; identification scores a speaker against a person as the best
cosine over that person's enrolments, and gives names one to one (two speakers of a meeting
never get the same person).

For every threshold: the share of enrolled people's speakers named correctly, left unnamed,
and falsely named (any speaker given a name that is not theirs, strangers included). The
threshold is chosen on the tuning half (most correct names with at most 1 % false names) and
reported on the test half; so is the lower bound of the band in which a name is only
suggested (the lowest score at which at least half of such names would be right).
"""

from __future__ import annotations

import argparse
import pickle
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from secretary_contracts import DiarizationResult, RecordingOptions
from secretary_diarize.engine import Diarizer
from secretary_diarize.settings import DiarizeSettings
from secretary_runtime.audio import read_pcm16_wav
from secretary_testing.meetings import (
    ENGLISH_VOICES,
    Meeting,
    MeetingPlan,
    VoiceRenderer,
    make_meeting,
)

PEOPLE = [voice.name for voice in ENGLISH_VOICES]
THRESHOLDS = [round(0.30 + 0.02 * i, 2) for i in range(33)]
MAX_FALSE = 0.01


@dataclass
class Speaker:
    meeting: str
    person: str
    embedding: np.ndarray
    speech_s: float


def _strangers(seed: int) -> list[str]:
    rng = random.Random(f"strangers:{seed}")
    women = [v.name for v in ENGLISH_VOICES if v.gender == "f"]
    men = [v.name for v in ENGLISH_VOICES if v.gender == "m"]
    return [rng.choice(women), rng.choice(men)]


def plans(seed: int, minutes: float) -> tuple[list[MeetingPlan], list[MeetingPlan]]:
    rng = random.Random(f"voiceprints:{seed}")
    strangers = _strangers(seed)
    enrolled = [p for p in PEOPLE if p not in strangers]
    rng.shuffle(enrolled)
    groups = [enrolled[0:3], enrolled[3:6], enrolled[6:8]]
    enrolment = [
        MeetingPlan(f"s{seed}-enrol{i}", "en", len(g), seed * 100 + i, minutes, voices=tuple(g))
        for i, g in enumerate(groups)
    ]
    identification = []
    for i in range(6):
        size = 3 if i % 2 else 4
        group = [*rng.sample(enrolled, size - 1), strangers[i % 2]]
        rng.shuffle(group)
        identification.append(
            MeetingPlan(
                f"s{seed}-meet{i}", "en", size, seed * 100 + 10 + i, minutes, voices=tuple(group)
            )
        )
    return enrolment, identification


def speakers_of(meeting: Meeting, result: DiarizationResult) -> list[Speaker]:
    """Each diarized voice, tied to the person who spoke most of its turns."""
    truth = meeting.truth_regions()
    found = []
    for voice in result.voices:
        overlap: dict[str, float] = {}
        for turn in result.turns:
            if turn.speaker != voice.speaker:
                continue
            for start, end, person in truth:
                shared = min(end, turn.end) - max(start, turn.start)
                if shared > 0:
                    overlap[person] = overlap.get(person, 0.0) + shared
        if overlap:
            person = max(overlap, key=lambda p: overlap[p])
            found.append(Speaker(meeting.name, person, np.array(voice.embedding), voice.speech_s))
    return found


def diarize_all(
    meeting_plans: list[MeetingPlan], work: Path, diarizer: Diarizer
) -> dict[str, list[Speaker]]:
    renderer = VoiceRenderer(work / "voices")
    found = {}
    for plan in meeting_plans:
        cached = work / f"{plan.name}.speakers.pkl"
        if cached.exists():
            found[plan.name] = pickle.loads(cached.read_bytes())
            continue
        wav = work / f"{plan.name}.wav"
        meeting = make_meeting(plan, wav, renderer)
        result = diarizer.diarize(read_pcm16_wav(wav), RecordingOptions(), lambda _: None)
        found[plan.name] = speakers_of(meeting, result)
        cached.write_bytes(pickle.dumps(found[plan.name]))
        print(f"  {plan.name}: {len(plan.voices)} people, {len(result.voices)} voices found")
    return found


def score_spread(
    enrolment: dict[str, list[Speaker]], meetings: dict[str, list[Speaker]]
) -> tuple[list[float], list[float]]:
    """Each identified speaker's score against their own voiceprint (enrolled people), and the
    best score of each stranger against anyone."""
    enrolments: dict[str, list[np.ndarray]] = {}
    for speakers in enrolment.values():
        for speaker in speakers:
            enrolments.setdefault(speaker.person, []).append(speaker.embedding)
    genuine, strangers = [], []
    for speakers in meetings.values():
        for s in speakers:
            best = {p: max(float(s.embedding @ e) for e in es) for p, es in enrolments.items()}
            if s.person in enrolments:
                genuine.append(best[s.person])
            else:
                strangers.append(max(best.values()))
    return genuine, strangers


@dataclass
class Outcome:
    person: str
    named: str | None
    score: float


def identify(
    enrolments: dict[str, list[np.ndarray]], meeting: list[Speaker], threshold: float
) -> list[Outcome]:
    people = sorted(enrolments)
    scores = np.array(
        [[max(float(s.embedding @ e) for e in enrolments[p]) for p in people] for s in meeting]
    )
    rows, cols = linear_sum_assignment(-scores)
    chosen = dict(zip(rows.tolist(), cols.tolist(), strict=True))
    outcomes = []
    for index, speaker in enumerate(meeting):
        column = chosen.get(index)
        score = float(scores[index, column]) if column is not None else 0.0
        named = people[column] if column is not None and score >= threshold else None
        outcomes.append(Outcome(speaker.person, named, score))
    return outcomes


def evaluate(
    enrolment: dict[str, list[Speaker]], meetings: dict[str, list[Speaker]], threshold: float
) -> tuple[float, float, float, list[Outcome]]:
    enrolments: dict[str, list[np.ndarray]] = {}
    for speakers in enrolment.values():
        for speaker in speakers:
            enrolments.setdefault(speaker.person, []).append(speaker.embedding)
    outcomes = [o for m in meetings.values() for o in identify(enrolments, m, threshold)]
    known = [o for o in outcomes if o.person in enrolments]
    correct = sum(o.named == o.person for o in known) / max(1, len(known))
    unnamed = sum(o.named is None for o in known) / max(1, len(known))
    false = sum(o.named is not None and o.named != o.person for o in outcomes) / max(
        1, len(outcomes)
    )
    return correct, unnamed, false, outcomes


def choose(
    enrolment: dict[str, list[Speaker]], meetings: dict[str, list[Speaker]]
) -> tuple[float, float]:
    best = max(
        (t for t in THRESHOLDS if evaluate(enrolment, meetings, t)[2] <= MAX_FALSE),
        key=lambda t: (evaluate(enrolment, meetings, t)[0], -t),
        default=THRESHOLDS[-1],
    )
    _, _, _, outcomes = evaluate(enrolment, meetings, 0.0)
    lower = best
    for t in sorted((t for t in THRESHOLDS if t < best), reverse=True):
        band = [o for o in outcomes if t <= o.score < best]
        if band and sum(o.named == o.person for o in band) / len(band) >= 0.5:
            lower = t
        else:
            break
    return best, lower


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/voiceprints"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    diarizer = Diarizer(DiarizeSettings(model_cache_dir=args.work / "models", torch_threads=2))
    halves = {}
    for seed, half in ((0, "tuning"), (1, "test")):
        print(f"{half} half (seed {seed}), strangers {', '.join(_strangers(seed))}:")
        enrolment_plans, meeting_plans = plans(seed, args.minutes)
        halves[half] = (
            diarize_all(enrolment_plans, args.work, diarizer),
            diarize_all(meeting_plans, args.work, diarizer),
        )
    upper, lower = choose(*halves["tuning"])
    print(f"\nchosen on the tuning half: name at >= {upper:.2f}, suggest at >= {lower:.2f}\n")
    print("| half | threshold | named correctly | unnamed | false names | suggestions right |")
    print("| --- | --- | --- | --- | --- | --- |")
    for half, (enrolment, meetings) in halves.items():
        for threshold in sorted({lower, upper, 0.5, 0.6, 0.7}):
            correct, unnamed, false, _ = evaluate(enrolment, meetings, threshold)
            _, _, _, every = evaluate(enrolment, meetings, 0.0)
            band = [o for o in every if lower <= o.score < upper]
            right = sum(o.named == o.person for o in band)
            suggested = f"{right}/{len(band)}" if threshold == upper else ""
            print(
                f"| {half} | {threshold:.2f} | {correct:.1%} | {unnamed:.1%} | {false:.1%} |"
                f" {suggested} |"
            )
    for half, (enrolment, meetings) in halves.items():
        genuine, strangers = score_spread(enrolment, meetings)
        print(
            f"\n{half}: {len(genuine)} enrolled speakers, own voiceprint scores"
            f" min {min(genuine):.2f} / median {np.median(genuine):.2f};"
            f" {len(strangers)} strangers, best scores max {max(strangers):.2f} /"
            f" median {np.median(strangers):.2f}"
        )


if __name__ == "__main__":
    main()
