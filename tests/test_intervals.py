"""The intervals on data whose answer is known: Pearson correlations of bivariate normal
samples with a planted rho, and means of normal samples, resampled as the analysis resamples
items (bootstrap draws or random halves, ``item_weights``)."""

import numpy as np
import pytest

from valueprefs.analysis.stats import interval, item_weights


def weighted_correlations(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pearson r of x and y under each row of item weights (a draw count or a 0/1 half)."""
    total = weights.sum(axis=1, keepdims=True)
    xs = x - (weights * x).sum(axis=1, keepdims=True) / total
    ys = y - (weights * y).sum(axis=1, keepdims=True) / total
    return (weights * xs * ys).sum(axis=1) / np.sqrt((weights * xs**2).sum(axis=1) * (weights * ys**2).sum(axis=1))


def coverage(rho: float, n: int, studies: int, resampling: str, seed: int = 0) -> tuple[float, float]:
    """Share of studies whose interval covers rho, and share whose estimate is inside its own interval."""
    rng = np.random.default_rng(seed)
    covered = inside = 0
    for study in range(studies):
        x = rng.standard_normal(n)
        y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
        r = np.corrcoef(x, y)[0, 1]
        replicates = weighted_correlations(x, y, item_weights(n, 300, study, "known", resampling))
        low, high = interval(replicates, r)
        covered += low <= rho <= high
        inside += low <= r <= high
    return covered / studies, inside / studies


@pytest.mark.parametrize("resampling", ["bootstrap", "half"])
@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_intervals_cover_a_planted_correlation(rho, resampling):
    covered, inside = coverage(rho, n=40, studies=300, resampling=resampling)
    assert covered >= 0.90 and inside == 1.0


def test_half_samples_spread_as_the_mean_of_all_items_does():
    """Half samples without replacement: the sd of their means is the standard error of the
    full-sample mean (sigma / sqrt(n), here 0.1), where half samples drawn with replacement
    would give sqrt(2) times that."""
    values = np.random.default_rng(1).standard_normal(100)
    weights = item_weights(100, 4000, 0, "known", "half")
    assert set(np.unique(weights)) == {0.0, 1.0} and (weights.sum(axis=1) == 50).all()
    spread = ((weights * values).sum(axis=1) / 50).std()
    assert spread == pytest.approx(values.std(ddof=1) / np.sqrt(100), rel=0.06)


def test_an_unknown_resampling_is_refused_by_name():
    with pytest.raises(ValueError, match="'jackknife'"):
        item_weights(10, 5, 0, "known", "jackknife")


def test_the_interval_is_the_estimate_plus_and_minus_196_replicate_sds():
    """By hand: replicates 0.1, 0.2, 0.3 have sd 0.1, so the 95% interval is the estimate
    +- 0.196, wherever the replicates sit (their downward bias does not move it)."""
    replicates = np.array([0.1, 0.2, 0.3, np.nan])  # a failed replicate is left out
    assert interval(replicates, 0.4) == pytest.approx((0.4 - 0.19600, 0.4 + 0.19600), abs=1e-5)
    assert interval(replicates, 0.95) == pytest.approx((0.754, 1.0), abs=1e-3)  # kept within the bounds
    assert np.isnan(interval(replicates, float("nan"))).all() and np.isnan(interval(np.array([0.2]), 0.3)).all()


def test_the_normal_quantile_is_scipys():
    from scipy import stats as scipy_stats

    from valueprefs.analysis.stats import CONFIDENCE, NORMAL_QUANTILE

    assert NORMAL_QUANTILE == pytest.approx(scipy_stats.norm.ppf(1 - (1 - CONFIDENCE) / 2), rel=1e-12)


def test_calibration_counts_which_intervals_cover_the_mean_and_the_planted_value():
    """Four studies by hand: r means 0.5 (covered by 3 intervals), the corrected value means 0.7
    (covered by 2), the planted 1.0 is covered by 1, and 3 intervals exclude 0 (the other
    control's planted value)."""
    import pandas as pd

    from valueprefs.analysis.calibration import coverage

    rows = pd.DataFrame(
        {
            "key": "control_consistency/dilemmas/10",
            "analysis": "control_consistency",
            "r": [0.4, 0.5, 0.6, 0.5],
            "ci_low": [0.3, 0.45, 0.55, 0.2],
            "ci_high": [0.5, 0.55, 0.65, 0.8],
            "passed": [True, True, False, True],
            "expected": 0.5,
            "planted_observed": 1.0,
            "consistency": [0.6, 0.7, 0.8, 0.7],
            "consistency_low": [0.5, 0.65, 0.75, -0.1],
            "consistency_high": [0.65, 0.75, 0.85, 1.0],
            "p": [0.01, 0.2, 0.04, 0.5],
            "consistency_p": [0.01, 0.01, 0.3, 0.04],
        }
    )
    found = coverage(rows, planted=1.0).iloc[0]
    assert (found["statistic"], found["setting"], found["studies"]) == ("control_consistency", "10", 4)
    assert found["coverage"] == 0.75 and found["passed"] == 0.75
    assert found["mean_consistency"] == pytest.approx(0.7)
    assert found["consistency_covers_mean"] == 0.5 and found["consistency_covers_planted"] == 0.25
    assert found["consistency_excludes_opposite"] == 0.75
    assert found["p_below_05"] == 0.5 and found["consistency_p_below_05"] == 0.75
    assert found["consistency_covers_rho"] == 0.25


def test_calibration_counts_headline_coverage_over_the_studies_that_estimated_it():
    """A study whose measures were too unreliable has no headline: counted apart, not as a miss;
    between k both measures follow one latent, so the planted consistency is 1."""
    import pandas as pd

    from valueprefs.analysis.calibration import coverage

    rows = pd.DataFrame(
        {
            "key": "between_k/dilemmas/5/10",
            "analysis": "between_k",
            "r": [0.5, 0.6, 0.7, 0.6],
            "p": 0.01,
            "ci_low": 0.4,
            "ci_high": 0.8,
            "consistency": [0.9, 1.0, np.nan, 0.5],
            "consistency_low": [0.7, 0.8, np.nan, 0.2],
            "consistency_high": [1.0, 1.0, np.nan, 0.8],
            "consistency_p": [0.001, 0.001, np.nan, 0.2],
        }
    )
    found = coverage(rows, planted=0.0).iloc[0]
    assert found["consistency_estimated"] == 0.75 and found["mean_consistency"] == pytest.approx(0.8)
    assert found["consistency_covers_planted"] == pytest.approx(2 / 3)  # 1 is outside [0.2, 0.8]
    assert found["consistency_p_below_05"] == pytest.approx(2 / 3)
