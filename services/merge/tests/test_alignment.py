from hypothesis import given, settings
from hypothesis import strategies as st
from secretary_contracts import SpeakerTurn, Word
from secretary_merge.alignment import (
    SegmentationRules,
    assign_speakers,
    build_segments,
    merge_transcript,
)


def word(start: float, end: float, text: str = "w") -> Word:
    return Word(start=start, end=end, word=text)


def test_word_takes_speaker_with_largest_overlap() -> None:
    turns = [SpeakerTurn(start=0, end=1.2, speaker="A"), SpeakerTurn(start=1.2, end=3, speaker="B")]
    labelled = assign_speakers([word(1.0, 1.6)], turns)
    assert labelled[0].speaker == "B"


def test_word_in_a_gap_takes_the_nearest_turn() -> None:
    turns = [SpeakerTurn(start=0, end=1, speaker="A"), SpeakerTurn(start=5, end=6, speaker="B")]
    assert assign_speakers([word(1.2, 1.4)], turns)[0].speaker == "A"
    assert assign_speakers([word(4.5, 4.8)], turns)[0].speaker == "B"


def test_nearest_preceding_turn_is_the_one_that_ends_latest() -> None:
    turns = [
        SpeakerTurn(start=0, end=10, speaker="A"),
        SpeakerTurn(start=2, end=3, speaker="B"),
        SpeakerTurn(start=20, end=21, speaker="C"),
    ]
    assert assign_speakers([word(11, 11.5)], turns)[0].speaker == "A"


def test_no_turns_leaves_words_unlabelled() -> None:
    assert assign_speakers([word(0, 1)], [])[0].speaker is None


def test_segments_split_at_speaker_change_and_long_pause() -> None:
    turns = [SpeakerTurn(start=0, end=2, speaker="A"), SpeakerTurn(start=2, end=10, speaker="B")]
    words = [
        word(0, 0.5, "one"),
        word(0.6, 1.0, "two"),
        word(2.1, 2.5, "three"),
        word(5.0, 5.4, "four"),
    ]
    segments = build_segments(assign_speakers(words, turns), SegmentationRules(pause_s=1.0))
    assert [(s.speaker, s.text) for s in segments] == [
        ("A", "one two"),
        ("B", "three"),
        ("B", "four"),
    ]


def test_long_monologue_closes_at_a_sentence_end() -> None:
    words = [word(i * 0.5, i * 0.5 + 0.4, "end." if i % 10 == 9 else "w") for i in range(100)]
    turns = [SpeakerTurn(start=0, end=60, speaker="A")]
    segments = build_segments(assign_speakers(words, turns), SegmentationRules(max_segment_s=10))
    assert len(segments) > 1
    assert all(s.text.endswith("end.") for s in segments[:-1])
    assert all(s.end - s.start < 15 for s in segments)


times = st.floats(min_value=0, max_value=500, allow_nan=False)


@st.composite
def intervals(draw: st.DrawFn) -> tuple[float, float]:
    start = draw(times)
    return start, start + draw(st.floats(min_value=0.01, max_value=20))


turn_lists = st.lists(
    st.builds(
        lambda iv, s: SpeakerTurn(start=iv[0], end=iv[1], speaker=s),
        intervals(),
        st.sampled_from(["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]),
    ),
    max_size=30,
)
word_lists = st.lists(st.builds(lambda iv: word(iv[0], iv[1]), intervals()), max_size=60)


@settings(max_examples=200, deadline=None)
@given(word_lists, turn_lists)
def test_every_word_gets_a_known_speaker(words: list[Word], turns: list[SpeakerTurn]) -> None:
    labelled = assign_speakers(words, turns)
    assert len(labelled) == len(words)
    known = {t.speaker for t in turns}
    for w in labelled:
        assert (w.speaker in known) if turns else (w.speaker is None)


@settings(max_examples=200, deadline=None)
@given(word_lists, turn_lists)
def test_word_inside_one_speakers_turns_gets_that_speaker(
    words: list[Word], turns: list[SpeakerTurn]
) -> None:
    for w in assign_speakers(words, turns):
        overlapping = {t.speaker for t in turns if min(w.end, t.end) - max(w.start, t.start) > 0}
        if len(overlapping) == 1:
            assert w.speaker == next(iter(overlapping))


@settings(max_examples=200, deadline=None)
@given(word_lists, turn_lists, st.randoms())
def test_result_does_not_depend_on_turn_order(words, turns, rng) -> None:
    shuffled = list(turns)
    rng.shuffle(shuffled)
    assert assign_speakers(words, turns) == assign_speakers(words, shuffled)


@settings(max_examples=200, deadline=None)
@given(word_lists, turn_lists)
def test_segments_keep_every_word_in_order_and_never_mix_speakers(
    words: list[Word], turns: list[SpeakerTurn]
) -> None:
    transcript = merge_transcript("en", 600, words, turns)
    flattened = [w for s in transcript.segments for w in s.words]
    assert len(flattened) == len(words)
    assert [w.start for w in flattened] == sorted(w.start for w in words)
    for segment in transcript.segments:
        assert {w.speaker for w in segment.words} == {segment.speaker}
        assert segment.start <= segment.end
    assert {s.id for s in transcript.speakers} == {
        w.speaker for w in flattened if w.speaker is not None
    }


def test_a_short_turn_inside_a_long_one_keeps_its_word() -> None:
    # B's "Yes." is heard inside A's long turn; both cover the word
    turns = [
        SpeakerTurn(start=0.0, end=12.0, speaker="A"),
        SpeakerTurn(start=8.1, end=8.6, speaker="B"),
    ]
    words = [word(7.5, 7.9, "budget."), word(8.2, 8.5, "Yes."), word(8.9, 9.3, "So")]
    segments = build_segments(assign_speakers(words, turns))
    assert [(s.speaker, s.text) for s in segments] == [("A", "budget."), ("B", "Yes."), ("A", "So")]
