"""Blink rates against human norms, both ways: too few and too many are remarked on; a usual rate is called usual."""

from __future__ import annotations

from veracity.analyzers.face._blink import NORMAL_DURATION_S, NORMAL_RATE_PER_MIN, judge_blinks


def _blinks(count: int) -> list[dict[str, float]]:
    typical = sum(NORMAL_DURATION_S) / 2
    return [{"duration_s": typical, "completeness": 1.0, "time_s": float(i)} for i in range(count)]


def test_a_usual_rate_reads_as_human() -> None:
    score, message = judge_blinks(1, _blinks(17), 60.0)
    assert "as people do" in message and score <= 0.1


def test_fast_blinking_is_not_called_normal() -> None:
    for per_minute in (45, 60):
        assert per_minute > NORMAL_RATE_PER_MIN[1]
        score, message = judge_blinks(1, _blinks(per_minute), 60.0)
        assert "as people do" not in message and "more often than people usually do" in message
        assert score > judge_blinks(1, _blinks(17), 60.0)[0]


def test_rare_blinking_is_remarked_on() -> None:
    score, message = judge_blinks(2, _blinks(2), 60.0)
    assert "less than people usually do" in message and score > 0.1
