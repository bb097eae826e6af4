"""Where leg takes land in a recording's channels: offsets, cuts, pauses."""

from __future__ import annotations

from centralita.recording.timeline import Piece, Take, channel_plan, clip_pauses

R = 10  # frames per second, to keep the numbers readable


def total(pieces: list[Piece]) -> int:
    return sum(p.frames for p in pieces)


def test_given_a_take_that_starts_late_then_the_channel_begins_with_silence():
    plan = channel_plan([Take("agent", "a", 3.0, 50)], side="agent", span=(2.0, 7.0), rate=R)
    assert plan == [Piece(None, 0, 10), Piece("a", 0, 40)]


def test_given_a_take_that_started_before_the_span_then_its_head_is_cut():
    plan = channel_plan([Take("caller", "c", 0.0, 100)], side="caller", span=(2.0, 5.0), rate=R)
    assert plan == [Piece("c", 20, 30)]


def test_given_a_pause_then_it_is_silence_and_the_take_continues_at_the_right_offset():
    plan = channel_plan(
        [Take("agent", "a", 3.0, 50)], side="agent", span=(2.0, 7.0), pauses=[(4.0, 5.0)], rate=R
    )
    assert plan == [Piece(None, 0, 10), Piece("a", 0, 10), Piece(None, 0, 10), Piece("a", 20, 20)]
    assert total(plan) == 50


def test_given_two_agents_one_after_the_other_then_both_are_on_the_agent_channel():
    takes = [Take("agent", "a1", 1.0, 20), Take("agent", "a2", 5.0, 30), Take("caller", "c", 0, 99)]
    plan = channel_plan(takes, side="agent", span=(0.0, 8.0), rate=R)
    assert plan == [
        Piece(None, 0, 10), Piece("a1", 0, 20), Piece(None, 0, 20), Piece("a2", 0, 30),
    ]  # fmt: skip


def test_given_a_short_take_then_the_rest_of_the_span_is_silence():
    plan = channel_plan([Take("caller", "c", 0.0, 10)], side="caller", span=(0.0, 3.0), rate=R)
    assert plan == [Piece("c", 0, 10), Piece(None, 0, 20)]


def test_paused_spans_are_kept_as_offsets_clipped_to_the_span_and_an_open_one_is_closed():
    assert clip_pauses([(1.0, 2.5), (9.0, None), (20.0, 21.0)], (0.5, 10.0)) == [
        (0.5, 2.0),
        (8.5, 9.5),
    ]


def test_hold_spans_are_clipped_to_the_recording_and_an_open_hold_ends_with_it() -> None:
    from centralita.recording.timeline import hold_spans

    marks = [(True, -2.0), (False, 1.0), (False, 1.5), (True, 4.0), (True, 4.5), (False, 6.0),
             (True, 9.0)]  # fmt: skip
    assert hold_spans(marks, 10.0) == [(0.0, 1.0), (4.0, 6.0), (9.0, 10.0)]
    assert hold_spans([(True, 12.0), (False, 13.0)], 10.0) == []  # after the recording
    assert hold_spans([(True, -5.0), (False, -1.0)], 10.0) == []  # before it
    assert hold_spans([], 10.0) == []
