"""Noise ceilings: split-half reliability of a preference vector, and the headline consistency:
the correlation of two measures' true preferences, computed across halves of the items.

A correlation between two noisy preference vectors is capped by their reliabilities: with
reliabilities ``a`` and ``b`` the largest correlation one can observe is ``sqrt(a * b)``
(Spearman's correction for attenuation). Reliability is estimated by splitting the items
(dilemmas or questions) into random halves, computing the preferences on each half,
correlating the halves over the values present in both, and stepping the half-length
correlation up to full length with the Spearman-Brown formula.
"""

import zlib

import numpy as np

from valueprefs.analysis.stats import interval, nanmean, random_halves, resampled_p, row_correlations

MIN_RELIABILITY = 0.1  # below this a correction divides by noise: reported, flagged, not applied


def split_weights(n_items: int, splits: int, seed: int, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Two (splits x items) 0/1 weight matrices, each row a random half and its complement."""
    rng = np.random.default_rng([seed, zlib.crc32(f"split:{dataset}".encode())])
    halves = random_halves(rng, splits, n_items)
    return halves, 1.0 - halves


def spearman_brown(half_r: float | np.ndarray) -> float | np.ndarray:
    """Reliability of the full-length measure from the correlation of its two halves."""
    return 2.0 * half_r / (1.0 + half_r)


def split_half_reliability(first: np.ndarray, second: np.ndarray, method: str = "pearson") -> dict:
    """Spearman-Brown reliability from per-split preferences of the two halves (splits x values),
    over the values present in both halves of each split (``half_reliability``)."""
    return half_reliability(*row_correlations(first, second, method))


def half_reliability(half_r: np.ndarray, values: np.ndarray) -> dict:
    """Spearman-Brown reliability from the correlations of two halves per split (``half_r``)
    over ``values`` values each: the half correlations are averaged over splits before the
    step-up; ``n`` is the median number of values."""
    half = float(nanmean(half_r)) if len(half_r) else float("nan")
    reliability = float(spearman_brown(half)) if np.isfinite(half) and half > -1 else float("nan")
    n = int(np.median(values)) if len(values) else 0
    return {"reliability": reliability, "half_r": half, "splits": int(np.isfinite(half_r).sum()), "n": n}


def cross_fit(
    x_first: np.ndarray, x_second: np.ndarray, y_first: np.ndarray, y_second: np.ndarray, method: str = "spearman"
) -> dict:
    """Per row (a split of the items into halves): the correlation (Spearman by default: the
    measures are monotone but not linear in a value's preference; TrueSkill shrinks rarely
    played values, a first position saturates, and with Pearson a perfectly consistent control
    came out at 0.83 at the paper's size, 0.91 with ranks) of x and y across halves
    (x from one half with y from the other, averaged both ways) and each measure's half-length
    reliability (its two halves correlated). Nothing here shares an item: the errors of the two
    sides of every correlation are independent, so shared items cannot inflate the consistency
    or push it above its ceiling. All three are taken over the values present in all four
    halves of the row: a reliability over values the other measure lacks (rarely played or
    rarely argued ones) describes another spread of preferences than the consistency does;
    ``values`` counts them."""
    common = np.isfinite(x_first) & np.isfinite(x_second) & np.isfinite(y_first) & np.isfinite(y_second)
    x_first, x_second, y_first, y_second = (
        np.where(common, half, np.nan) for half in (x_first, x_second, y_first, y_second)
    )
    across = nanmean(
        np.vstack([row_correlations(x_first, y_second, method)[0], row_correlations(x_second, y_first, method)[0]]),
        axis=0,
    )
    return {
        "across": across,
        "half_x": row_correlations(x_first, x_second, method)[0],
        "half_y": row_correlations(y_first, y_second, method)[0],
        "values": common.sum(axis=1).astype(float),
    }


def corrected_ratio(across: np.ndarray, half_x: np.ndarray, half_y: np.ndarray) -> np.ndarray:
    """The across-halves correlation over its ceiling, sqrt(half_x * half_y): the correlation of
    the two measures' true scores (NaN where a half-length reliability is below MIN_RELIABILITY)."""
    usable = (half_x >= MIN_RELIABILITY) & (half_y >= MIN_RELIABILITY)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(usable, across / np.sqrt(np.where(usable, half_x * half_y, 1.0)), np.nan)


def residuals(preferences: np.ndarray, covariates: np.ndarray | None) -> np.ndarray:
    """Each row of ``preferences`` (rows x values) less its least-squares fit on the
    ``covariates`` (values x columns) and a constant, over the values finite in all (NaN
    elsewhere; unchanged without covariates). ``Estimates.value_covariates`` gives the columns:
    properties of a value in the data set's annotations that move its measured preference in
    every half of the items without being a preference for it."""
    if covariates is None:
        return preferences
    found = np.full(preferences.shape, np.nan)
    known = np.isfinite(covariates).all(axis=1)
    for row, values in enumerate(preferences):
        used = known & np.isfinite(values)
        design = np.column_stack([np.ones(used.sum()), covariates[used]])
        if used.sum() <= design.shape[1]:  # no value left beyond the fit
            continue
        fit = np.linalg.lstsq(design, values[used], rcond=None)[0]
        found[row, used] = values[used] - design @ fit
    return found


def headline(point: dict, replicates: dict) -> tuple[dict, np.ndarray]:
    """The headline consistency of two measures and its replicates, from ``cross_fit`` over the
    seeded splits (``point``, averaged) and per bootstrap replicate (averaged over its splits,
    ``Estimates.consistency``): ``r_cross``, the
    across-halves correlation, over the geometric mean of the half-length reliabilities,
    ``consistency`` = r_cross / sqrt(half_x * half_y), clipped to [-1, 1] (flag ``clipped``),
    with the interval and p-value (``consistency_p``) of its replicates and the median number of
    values it correlated (``consistency_n``); with a half reliability
    below MIN_RELIABILITY nothing is corrected (flag ``unreliable``)."""
    nan = float("nan")
    half_x, half_y = float(nanmean(point["half_x"])), float(nanmean(point["half_y"]))
    across = float(nanmean(point["across"]))
    result = {"r_cross": across, "half_reliability_x": half_x, "half_reliability_y": half_y}
    result["consistency_n"] = int(np.median(point["values"])) if len(point.get("values", ())) else 0
    draws = np.clip(corrected_ratio(replicates["across"], replicates["half_x"], replicates["half_y"]), -1.5, 1.5)
    if not all(np.isfinite(v) and v >= MIN_RELIABILITY for v in (half_x, half_y)):
        return result | {"consistency": nan, "consistency_low": nan, "consistency_high": nan,
                         "consistency_p": nan, "correction": "unreliable"}, np.array([])  # fmt: skip
    ratio = float(corrected_ratio(np.array([across]), np.array([half_x]), np.array([half_y]))[0])
    low, high = interval(draws, ratio)
    return result | {
        "consistency": float(np.clip(ratio, -1.0, 1.0)),
        "consistency_low": low,
        "consistency_high": high,
        "consistency_p": resampled_p(draws, ratio),
        "correction": "clipped" if abs(ratio) > 1 else "applied",
    }, draws


def disattenuate(
    r: float, point: dict, replicates: dict, reliability_x: float, reliability_y: float
) -> tuple[dict, np.ndarray]:
    """The ``headline`` consistency, and the paper's same-item ``r`` against its noise ceiling:
    ``ceiling`` = sqrt(rel_x * rel_y) (full-length, Spearman-Brown reliabilities) is the largest
    correlation two measures this noisy can show and ``ceiling_ratio`` = r / ceiling (both NaN
    with a reliability below MIN_RELIABILITY)."""
    found, draws = headline(point, replicates)
    if not all(np.isfinite(v) and v >= MIN_RELIABILITY for v in (reliability_x, reliability_y)):
        return found | {"ceiling": float("nan"), "ceiling_ratio": float("nan")}, draws
    ceiling = float(np.sqrt(reliability_x * reliability_y))
    return found | {"ceiling": ceiling, "ceiling_ratio": float(r / ceiling)}, draws
