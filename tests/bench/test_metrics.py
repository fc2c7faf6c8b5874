from __future__ import annotations

import itertools

import numpy as np
import pytest

from veracity.bench import metrics


def _pairwise_auc(positives: list[float], negatives: list[float]) -> float:
    wins = [1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(positives, negatives)]
    return sum(wins) / len(wins)


def test_midranks_share_ranks_between_ties() -> None:
    assert metrics.midranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_roc_auc_on_hand_made_scores() -> None:
    assert metrics.roc_auc([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert metrics.roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0
    # fakes 0.8, 0.4 vs reals 0.6, 0.2: three of four pairs ordered right
    assert metrics.roc_auc([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.2]) == pytest.approx(0.75)
    # a tie counts half: fake 0.5 vs reals 0.5 (tie) and 0.1 (win)
    assert metrics.roc_auc([1, 0, 0], [0.5, 0.5, 0.1]) == pytest.approx(0.75)
    assert metrics.roc_auc([1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.5)


def test_roc_auc_matches_pairwise_count_with_many_ties() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 60)
    scores = np.round(rng.random(60) + 0.3 * labels, 1)  # coarse rounding makes ties
    expected = _pairwise_auc(list(scores[labels == 1]), list(scores[labels == 0]))
    assert metrics.roc_auc(labels.tolist(), scores.tolist()) == pytest.approx(expected)


def test_metrics_need_both_classes() -> None:
    assert metrics.roc_auc([1, 1], [0.2, 0.3]) is None
    assert metrics.tpr_at_fpr([0, 0], [0.2, 0.3]) is None
    with pytest.raises(ValueError):
        metrics.roc_auc([1, 0], [0.5])


def test_tpr_at_fpr_allows_one_false_positive_in_twenty_reals() -> None:
    reals = [i / 100 for i in range(20)]  # 0.00 .. 0.19
    fakes = [0.185, 0.5, 0.1]
    labels = [0] * 20 + [1] * 3
    # threshold 0.185 flags one real (0.19, 5%) and catches 0.185 and 0.5
    assert metrics.tpr_at_fpr(labels, reals + fakes, 0.05) == pytest.approx(2 / 3)
    # no real may be flagged: only 0.5 is above every real
    assert metrics.tpr_at_fpr(labels, reals + fakes, 0.0) == pytest.approx(1 / 3)


def test_tpr_at_fpr_moves_tied_scores_together() -> None:
    # the fake ties with the top real; flagging it flags 1 of 2 reals (50%), over the 5% budget
    assert metrics.tpr_at_fpr([1, 0, 0], [0.9, 0.9, 0.1], 0.05) == 0.0
    assert metrics.tpr_at_fpr([1, 0, 0], [0.9, 0.9, 0.1], 0.5) == 1.0


def test_decision_metrics_count_inconclusive_as_not_flagged() -> None:
    out = metrics.decision_metrics(
        labels=[1, 1, 0, 0], flagged=[True, False, True, False], inconclusive=[False, True, False, False]
    )
    assert out == {"tpr": 0.5, "fpr_real": 0.5, "balanced_accuracy": 0.5, "inconclusive_share": 0.25}
    perfect = metrics.decision_metrics([1, 0, 0], [True, False, False], [False, True, False])
    assert perfect["balanced_accuracy"] == 1.0 and perfect["fpr_real"] == 0.0
    assert metrics.decision_metrics([1, 1], [True, False], [False, False])["fpr_real"] is None


def test_speed_metrics() -> None:
    assert metrics.median_seconds([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert metrics.median_seconds([]) is None
    # images (no media seconds) are left out of the real-time factor
    assert metrics.real_time_factor([2.0, 3.0, 1.0], [4.0, None, 6.0]) == pytest.approx(0.3)
    assert metrics.real_time_factor([1.0], [None]) is None


def test_peak_rss_grows_with_an_allocation() -> None:
    if not metrics.reset_peak_rss():
        pytest.skip("resetting the peak needs Linux /proc/self/clear_refs")
    before = metrics.peak_rss_mb()
    block = np.ones(64 * 1024 * 1024 // 8)  # 64 MiB, touched
    assert metrics.peak_rss_mb() >= before + 32
    del block
