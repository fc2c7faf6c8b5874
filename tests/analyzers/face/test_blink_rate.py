"""Blink rates against human norms, both ways: too few for the window is weighed by how many real people blink
that rarely, too many is remarked on without weighing either way, and a usual rate is called usual."""

from __future__ import annotations

import pytest

from veracity.analyzers.face._blink import NORMAL_DURATION_S, NORMAL_RATE_PER_MIN, judge_blinks


def _blinks(count: int) -> list[dict[str, float]]:
    typical = sum(NORMAL_DURATION_S) / 2
    return [{"duration_s": typical, "completeness": 1.0, "time_s": float(i)} for i in range(count)]


def test_a_usual_rate_reads_as_human() -> None:
    judged = judge_blinks(1, _blinks(17), 60.0)
    assert "as people do" in judged.message and judged.reassuring and judged.p_synthetic < 0.5


def test_fast_blinking_is_remarked_on_but_weighs_nothing() -> None:
    for per_minute in (55, 70):
        assert per_minute > NORMAL_RATE_PER_MIN[1]
        judged = judge_blinks(1, _blinks(per_minute), 60.0)
        assert "as people do" not in judged.message and "more often than people usually do" in judged.message
        assert judged.p_synthetic == pytest.approx(0.5) and not judged.suspicious and not judged.reassuring


def test_rare_blinking_is_weighed_by_how_many_people_blink_that_rarely() -> None:
    judged = judge_blinks(2, _blinks(2), 60.0)
    assert "blinks only 2 time(s) in 60.0 s" in judged.message and "real people blink that rarely" in judged.message
    assert judged.p_synthetic > judge_blinks(2, _blinks(17), 60.0).p_synthetic
    assert judged.people_this_rare is not None and 0 < judged.people_this_rare < 0.5
