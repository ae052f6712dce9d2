"""Text joined as the model meant it; unsure and looping segments flagged; silence is no error."""

from secretary_contracts import SegmentFlag, SpeakerTurn, TranscriptWarning, Word, exports
from secretary_merge.alignment import SegmentationRules, merge_transcript
from secretary_merge.quality import repeated_word_indexes

TURNS = [SpeakerTurn(start=0.0, end=60.0, speaker="SPEAKER_00")]


def pieces(*tokens: str, score: float = 0.9, start: float = 0.0) -> list[Word]:
    """Words as the recogniser writes them: a leading space means a new word."""
    words = []
    for i, token in enumerate(tokens):
        words.append(
            Word(
                start=start + i * 0.3,
                end=start + i * 0.3 + 0.25,
                word=token.strip(),
                score=score,
                attached=i > 0 and not token.startswith(" "),
            )
        )
    return words


def test_numbers_decimals_times_and_percentages_are_written_joined() -> None:
    words = pieces(
        " We", " spent", " 40", ",000", " euros,", " up", " 2", ".3", " points,", " at", " 10",
        ":30", " on", " March", " 21st,", " that", " is", " 15", "%.",
    )  # fmt: skip
    transcript = merge_transcript("en", 10.0, words, TURNS)
    expected = "We spent 40,000 euros, up 2.3 points, at 10:30 on March 21st, that is 15%."
    assert [s.text for s in transcript.segments] == [expected]
    for rendered in (
        exports.to_text(transcript),
        exports.to_srt(transcript),
        exports.to_vtt(transcript),
        exports.to_markdown(transcript),
    ):
        assert expected in rendered


def test_a_recognition_loop_is_flagged_as_repetition() -> None:
    loop = pieces(" Thank", " you.", " Thank", " you.", " Thank", " you.", " Thank", " you.")
    said = pieces(" The", " budget", " is", " fine.", start=10.0)
    transcript = merge_transcript("en", 20.0, loop + said, TURNS)
    assert len(transcript.segments) == 2
    assert SegmentFlag.REPETITION in transcript.segments[0].flags
    assert transcript.segments[1].flags == []
    assert transcript.flagged_segments()["repetition"] == 1
    assert "(repeated" in exports.to_markdown(transcript)


def test_three_times_is_speech_not_a_loop() -> None:
    assert repeated_word_indexes(["no", "no", "no", "we", "will", "not"], 4) == set()
    assert repeated_word_indexes(["a", "b", "a", "b", "a", "b", "a", "b", "c"], 4) == set(range(8))


def test_words_the_model_was_unsure_of_flag_their_segment() -> None:
    unsure = pieces(" mumble", " grumble", score=0.2)
    transcript = merge_transcript("en", 5.0, unsure, TURNS, SegmentationRules(low_confidence=0.5))
    segment = transcript.segments[0]
    assert segment.confidence == 0.2
    assert segment.flags == [SegmentFlag.LOW_CONFIDENCE]
    assert "*(unsure)*" in exports.to_markdown(transcript)


def test_no_words_is_a_transcript_with_a_warning() -> None:
    transcript = merge_transcript("", 30.0, [], [])
    assert transcript.segments == []
    assert transcript.warnings == [TranscriptWarning.NO_SPEECH]
    assert "Nobody speaks" in exports.to_markdown(transcript)
