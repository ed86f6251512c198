"""Answer lengths: quantiles of the generation summaries' histograms against numpy's on the
lengths themselves, and the token limit they support."""

import numpy as np
import pytest

from valueprefs.accounting.lengths import length_rows, quantile, suggested_limit

LIMITS = {"short_max_tokens": 16, "long_max_tokens": 512, "recognition_max_tokens": 32}


@pytest.mark.parametrize("seed", range(5))
def test_quantiles_equal_numpys_inverted_cdf_on_the_lengths(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 400, size=int(rng.integers(1, 300)))
    histogram = {int(length): int(n) for length, n in zip(*np.unique(lengths, return_counts=True), strict=True)}
    for q in (0.5, 0.9, 0.99, 1.0):
        assert quantile(histogram, q) == int(np.quantile(lengths, q, method="inverted_cdf")), q


def test_suggestion_by_hand_and_none_when_the_limit_cut_off_too_many():
    # 100 answers of 1..100 tokens: p99 = 99, x 1.25 = 123.75, rounded up to 128
    histogram = dict.fromkeys(range(1, 101), 1)
    assert suggested_limit(histogram, truncated=1) == 128
    assert suggested_limit(histogram, truncated=2) is None  # 2% cut off: their lengths are unknown
    assert suggested_limit({3: 10}, truncated=0) == 64  # never below one step


def test_one_row_per_task_of_a_summary_with_its_limit():
    summary = {
        "answer_tokens": {"dd/long_k20": {"400": 98, "512": 2}, "dd/short": {"2": 5}},
        "truncated": {"dd/long_k20": {"truncated": 2, "answers": 100}, "dd/short": {"truncated": 0, "answers": 5}},
    }
    rows = {row["task"]: row for row in length_rows("m/instruct", summary, LIMITS)}
    assert rows["long_k20"] == {
        "job": "m/instruct", "dataset": "dd", "task": "long_k20", "answers": 100, "limit": 512, "truncated": 2,
        "tokens_p50": 400, "tokens_p90": 400, "tokens_p99": 512, "tokens_max": 512,
        "suggested_limit": None, "over_suggested": None,
    }  # fmt: skip
    assert (rows["short"]["limit"], rows["short"]["suggested_limit"], rows["short"]["over_suggested"]) == (16, 64, 0)
