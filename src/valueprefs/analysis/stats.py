"""Correlations with p-values, n and intervals over resampled items.

A replicate reweights the items (dilemmas or questions) of a data set: ``item_weights`` gives
each item's weight, either a bootstrap draw (with replacement) or a random half (the
delete-half jackknife). Every estimate of the replicate is recomputed from those weights, so
an interval covers the whole pipeline from answers to correlation. Replicates are seeded per
data set, so all estimates from one data set share the same draws (and correlations between
them stay paired).

scipy.stats is imported only by the functions that need it: importing it takes about a second,
and figure jobs read intervals and means without it.
"""

import zlib
from itertools import combinations
from statistics import NormalDist

import numpy as np

CONFIDENCE = 0.95
NORMAL_QUANTILE = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)  # 1.96


RESAMPLING = ("half", "bootstrap")


def random_halves(rng: np.random.Generator, rows: int, n_items: int) -> np.ndarray:
    """(rows x items) 0/1 weights, each row a random half of the items (n // 2 of them)."""
    halves = np.zeros((rows, n_items))
    for row in halves:
        row[rng.permutation(n_items)[: n_items // 2]] = 1.0
    return halves


def item_weights(n_items: int, replicates: int, seed: int, dataset: str, resampling: str) -> np.ndarray:
    """(replicates x items) item weights, seeded by ``seed`` and the data set's name.

    ``bootstrap``: how often each item is drawn with replacement. ``half``: 1 for a random half
    of the items, 0 for the rest (the delete-half jackknife: without replacement, the spread of
    half-sample estimates around their mean estimates the variance of the full-sample one,
    also for statistics that are not smooth functions of item means, Shao and Wu 1989)."""
    if resampling not in RESAMPLING:
        raise ValueError(f"resampling must be one of {RESAMPLING}, not {resampling!r}")
    rng = np.random.default_rng([seed, zlib.crc32(dataset.encode())])
    if replicates == 0 or n_items == 0:
        return np.zeros((replicates, n_items))
    if resampling == "half":
        return random_halves(rng, replicates, n_items)
    return rng.multinomial(n_items, np.full(n_items, 1.0 / n_items), size=replicates).astype(float)


def _rank_rows(values: np.ndarray) -> np.ndarray:
    """Average ranks within each row; NaN stays NaN (ranked last, so finite ranks are unchanged)."""
    from scipy import stats

    finite = np.isfinite(values)
    return np.where(finite, stats.rankdata(np.where(finite, values, np.inf), axis=1), np.nan)


def row_correlations(x: np.ndarray, y: np.ndarray, method: str = "pearson") -> tuple[np.ndarray, np.ndarray]:
    """Correlation of each row pair over the columns finite in both, and how many there were."""
    x, y = np.atleast_2d(x).astype(float), np.atleast_2d(y).astype(float)
    both = np.isfinite(x) & np.isfinite(y)
    x, y = np.where(both, x, np.nan), np.where(both, y, np.nan)
    if method == "spearman":
        x, y = _rank_rows(x), _rank_rows(y)
    n = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = np.where(both, x - np.nansum(x, axis=1, keepdims=True) / n[:, None], 0.0)
        dy = np.where(both, y - np.nansum(y, axis=1, keepdims=True) / n[:, None], 0.0)
        r = (dx * dy).sum(1) / np.sqrt((dx * dx).sum(1) * (dy * dy).sum(1))
    return np.where(n >= 3, r, np.nan), n


def pairwise_spearman(series: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Spearman correlation of every pair of series, row by row: (pairs x rows) r and n.

    Each series is (rows x values) with NaN for absent values. Ranks are computed once per
    series; a row pair whose finite values differ is re-ranked over the values both have.
    """
    ranks = [_rank_rows(np.atleast_2d(x).astype(float)) for x in series]
    finite = [np.isfinite(x) for x in ranks]
    r_all, n_all = [], []
    for a, b in combinations(range(len(series)), 2):
        r, n = row_correlations(ranks[a], ranks[b])
        differ = (finite[a] != finite[b]).any(axis=1)
        if differ.any():
            r[differ], n[differ] = row_correlations(series[a][differ], series[b][differ], "spearman")
        r_all.append(r)
        n_all.append(n)
    return np.array(r_all), np.array(n_all)


def nanmean(values, axis=None):
    """Mean of the finite values (NaN, without a warning, when there are none)."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite, values, 0.0).sum(axis=axis) / finite.sum(axis=axis)


def resampled_p(replicates: np.ndarray, point: float) -> float:
    """Two-sided p-value of "the statistic is 0" from the same replicates and normal
    approximation as ``interval``: p < 0.05 exactly when that interval (unclipped) excludes 0.
    The replicates resample items, so p does not treat values as independent observations, as a
    t-test over the values would (NaN with fewer than two finite replicates or no spread)."""
    finite = np.asarray(replicates, dtype=float)
    finite = finite[np.isfinite(finite)]
    return normal_p(point, finite.std(ddof=1) if len(finite) >= 2 else 0.0)


def normal_p(point: float, se: float) -> float:
    """Two-sided p-value of "the statistic is 0" for an estimate with standard error ``se``
    (NaN where either is not finite or ``se`` is not positive)."""
    if not (np.isfinite(point) and np.isfinite(se) and se > 0):
        return float("nan")
    return float(2.0 * (1.0 - NormalDist().cdf(abs(point) / se)))


def interval(replicates: np.ndarray, point: float, bounds: tuple[float, float] = (-1.0, 1.0)) -> tuple[float, float]:
    """95% interval around the estimate ``point``: plus and minus the normal quantile times the
    replicates' standard deviation (their spread estimates the estimate's standard error), the
    ends kept within the statistic's ``bounds``.

    A replicate holds fewer distinct items than the data (about 63% for a bootstrap draw, half
    for a half sample), so its correlation is biased low: percentiles of the replicates sit
    below their own estimate, and even recentred on it they covered less than the spread does
    on the calibration controls (``snakemake calibrate``; bench/RESULTS.md)."""
    finite = np.asarray(replicates, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2:
        return float("nan"), float("nan")
    return normal_interval(point, finite.std(ddof=1), bounds)


def normal_interval(point: float, se: float, bounds: tuple[float, float] = (-1.0, 1.0)) -> tuple[float, float]:
    """95% interval of an estimate with standard error ``se``, its ends kept within ``bounds``
    (NaN where either is not finite)."""
    if not (np.isfinite(point) and np.isfinite(se)):
        return float("nan"), float("nan")
    low, high = np.clip([point - NORMAL_QUANTILE * se, point + NORMAL_QUANTILE * se], *bounds)
    return float(low), float(high)


def correlate(
    x: np.ndarray, y: np.ndarray, x_reps: np.ndarray, y_reps: np.ndarray, method: str = "pearson"
) -> tuple[dict, np.ndarray]:
    """r, p, n and the interval of one correlation, plus the replicate values; p and the
    interval come from the same replicates (``resampled_p``)."""
    (r,), (n,) = row_correlations(x, y, method)
    replicates = row_correlations(x_reps, y_reps, method)[0] if len(x_reps) else np.array([])
    low, high = interval(replicates, float(r))
    stats = {"r": float(r), "p": resampled_p(replicates, float(r)), "n": int(n), "ci_low": low, "ci_high": high}
    return stats, replicates
