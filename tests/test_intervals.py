"""The bootstrap intervals on data whose answer is known: Pearson correlations of bivariate
normal samples with a planted rho, resampled as the analysis resamples items."""

import numpy as np
import pytest

from valueprefs.analysis.stats import interval


def coverage(rho: float, n: int, studies: int, seed: int = 0) -> tuple[float, float]:
    """Share of studies whose interval covers rho, and share whose estimate is inside its own interval."""
    rng = np.random.default_rng(seed)
    covered = inside = 0
    for _ in range(studies):
        x = rng.standard_normal(n)
        y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
        r = np.corrcoef(x, y)[0, 1]
        draws = rng.integers(0, n, size=(300, n))
        xs, ys = x[draws], y[draws]
        xs, ys = xs - xs.mean(axis=1, keepdims=True), ys - ys.mean(axis=1, keepdims=True)
        replicates = (xs * ys).sum(axis=1) / np.sqrt((xs**2).sum(axis=1) * (ys**2).sum(axis=1))
        low, high = interval(replicates, r)
        covered += low <= rho <= high
        inside += low <= r <= high
    return covered / studies, inside / studies


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_recentred_intervals_cover_a_planted_correlation(rho):
    covered, inside = coverage(rho, n=40, studies=300)
    assert covered >= 0.90 and inside == 1.0


def test_plain_percentiles_are_what_recentring_replaces():
    """Without the estimate, the plain percentile interval: the same ends shifted by the bias."""
    replicates = np.linspace(0.1, 0.5, 101)  # centred on 0.3
    assert interval(replicates) == pytest.approx((0.11, 0.49))
    assert interval(replicates, 0.4) == pytest.approx((0.21, 0.59))
    assert interval(replicates, 0.95) == pytest.approx((0.76, 1.0))  # kept within the bounds
