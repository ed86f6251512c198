"""Noise ceilings: split-half reliability of a preference vector and disattenuated correlations.

A correlation between two noisy preference vectors is capped by their reliabilities: with
reliabilities ``a`` and ``b`` the largest correlation one can observe is ``sqrt(a * b)``
(Spearman's correction for attenuation). Reliability is estimated by splitting the items
(dilemmas or questions) into random halves, computing the preferences on each half,
correlating the halves over the values present in both, and stepping the half-length
correlation up to full length with the Spearman-Brown formula.
"""

import zlib

import numpy as np

from valueprefs.analysis.stats import interval, nanmean, row_correlations

MIN_RELIABILITY = 0.1  # below this a correction divides by noise: reported, flagged, not applied


def split_weights(n_items: int, splits: int, seed: int, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Two (splits x items) 0/1 weight matrices, each row a random half and its complement."""
    rng = np.random.default_rng([seed, zlib.crc32(f"split:{dataset}".encode())])
    halves = np.zeros((splits, n_items))
    for row in halves:
        row[rng.permutation(n_items)[: n_items // 2]] = 1.0
    return halves, 1.0 - halves


def spearman_brown(half_r: float | np.ndarray) -> float | np.ndarray:
    """Reliability of the full-length measure from the correlation of its two halves."""
    return 2.0 * half_r / (1.0 + half_r)


def split_half_reliability(first: np.ndarray, second: np.ndarray, method: str = "pearson") -> dict:
    """Spearman-Brown reliability from per-split preferences of the two halves (splits x values).

    The half correlations are averaged over splits before the step-up; ``n`` is the median
    number of values present in both halves.
    """
    r, n = row_correlations(first, second, method)
    half = float(nanmean(r)) if len(r) else float("nan")
    reliability = float(spearman_brown(half)) if np.isfinite(half) and half > -1 else float("nan")
    return {"reliability": reliability, "half_r": half, "splits": int(np.isfinite(r).sum()), "n": int(np.median(n))}


def disattenuate(r: float, replicates: np.ndarray, reliability_x: float, reliability_y: float) -> dict:
    """The correlation corrected for both reliabilities, its interval, the ceiling and a flag.

    ``ceiling`` = sqrt(rel_x * rel_y) is the largest correlation two measures this noisy can
    show; ``ceiling_ratio`` = r / ceiling. The corrected value is clipped to [-1, 1] (flag
    ``clipped``); when a reliability is below MIN_RELIABILITY (or unknown) nothing is corrected
    (flag ``unreliable``). Replicates are divided by the point ceiling.
    """
    low_reliability = not (
        np.isfinite(reliability_x)
        and np.isfinite(reliability_y)
        and min(reliability_x, reliability_y) >= MIN_RELIABILITY
    )
    if low_reliability:
        nan = float("nan")
        return {"ceiling": nan, "ceiling_ratio": nan, "r_corrected": nan, "corrected_low": nan,
                "corrected_high": nan, "correction": "unreliable"}  # fmt: skip
    ceiling = float(np.sqrt(reliability_x * reliability_y))
    ratio = r / ceiling
    low, high = interval(np.clip(np.asarray(replicates, dtype=float) / ceiling, -1.0, 1.0))
    return {
        "ceiling": ceiling,
        "ceiling_ratio": float(ratio),
        "r_corrected": float(np.clip(ratio, -1.0, 1.0)),
        "corrected_low": float(low),
        "corrected_high": float(high),
        "correction": "clipped" if abs(ratio) > 1 else "applied",
    }
