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
threshold is chosen on the tuning half, in the middle of the thresholds that name the most
speakers correctly with at most 1 % false names, and reported on the test halves (seed 1,
and seed 2, which nothing was chosen with). A diarized voice that holds two people (less
than 80 % of its speech from one, a diarization error) can have no right name: such voices
are set aside from the calibration and listed, and the figures are also given with them
counted as errors.
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
# the product's lower bound of suggestions (a name offered, not given): a product choice
SUGGEST_AT = 0.7


# a diarized voice with less of its speech from one person than this is two people merged
# (a diarization error): reported apart, since no name can be right for it
MIN_PURITY = 0.8


@dataclass
class Speaker:
    meeting: str
    person: str
    embedding: np.ndarray
    speech_s: float
    purity: float = 1.0
    """The share of its speech that is `person`'s."""


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
            purity = overlap[person] / sum(overlap.values())
            found.append(
                Speaker(meeting.name, person, np.array(voice.embedding), voice.speech_s, purity)
            )
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


def choose(enrolment: dict[str, list[Speaker]], meetings: dict[str, list[Speaker]]) -> float:
    """The threshold in the middle of those that name the most speakers correctly with at
    most `MAX_FALSE` false names: as far from naming a stranger as from leaving someone
    unnamed, rather than at the edge of what this half happened to hold."""
    results = {t: evaluate(enrolment, meetings, t) for t in THRESHOLDS}
    feasible = [t for t in THRESHOLDS if results[t][2] <= MAX_FALSE]
    if not feasible:
        return THRESHOLDS[-1]
    most = max(results[t][0] for t in feasible)
    band = [t for t in feasible if results[t][0] == most]
    return band[len(band) // 2]


def pure(speakers: dict[str, list[Speaker]]) -> dict[str, list[Speaker]]:
    return {m: [s for s in found if s.purity >= MIN_PURITY] for m, found in speakers.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/voiceprints"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    diarizer = Diarizer(DiarizeSettings(model_cache_dir=args.work / "models", torch_threads=2))
    halves = {}
    # seed 2 was added after the choosing rule (the middle of the band) and the setting aside
    # of merged voices were settled with seed 1's results in view: it is the half nothing saw
    for seed, half in ((0, "tuning"), (1, "test"), (2, "fresh test")):
        print(f"{half} half (seed {seed}), strangers {', '.join(_strangers(seed))}:")
        enrolment_plans, meeting_plans = plans(seed, args.minutes)
        halves[half] = (
            diarize_all(enrolment_plans, args.work, diarizer),
            diarize_all(meeting_plans, args.work, diarizer),
        )
    tuning_enrolment, tuning_meetings = halves["tuning"]
    upper = choose(pure(tuning_enrolment), pure(tuning_meetings))
    print(f"\nchosen on the tuning half: name at >= {upper:.2f}\n")
    print("| half | speakers | name at | named correctly | unnamed | false names |")
    print("| --- | --- | --- | --- | --- | --- |")
    for half, (enrolment, meetings) in halves.items():
        for kind, chosen in (("one person each", pure(meetings)), ("all", meetings)):
            for threshold in sorted({SUGGEST_AT, upper, 0.94}):
                correct, unnamed, false, _ = evaluate(pure(enrolment), chosen, threshold)
                print(
                    f"| {half} | {kind} | {threshold:.2f} | {correct:.1%} | {unnamed:.1%} |"
                    f" {false:.1%} |"
                )
    for half, (enrolment, meetings) in halves.items():
        genuine, strangers = score_spread(pure(enrolment), pure(meetings))
        print(
            f"\n{half}: {len(genuine)} enrolled speakers, own voiceprint scores"
            f" min {min(genuine):.2f} / median {np.median(genuine):.2f};"
            f" {len(strangers)} strangers, best scores max {max(strangers):.2f} /"
            f" median {np.median(strangers):.2f}"
        )
        _, _, _, outcomes = evaluate(pure(enrolment), pure(meetings), 0.0)
        band = [o for o in outcomes if SUGGEST_AT <= o.score < upper]
        right = sum(o.named == o.person for o in band)
        print(f"  between {SUGGEST_AT:.2f} and {upper:.2f} (suggested): {right}/{len(band)} right")
        for meeting, found in meetings.items():
            for s in found:
                if s.purity < MIN_PURITY:
                    print(f"  {meeting}: a voice of two people, {s.purity:.0%} {s.person}'s")


if __name__ == "__main__":
    main()
