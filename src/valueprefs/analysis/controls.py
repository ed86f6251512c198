"""Rows that check a control's recovered measurements against its planted truth.

Each row holds the measured statistic with its interval, the value expected given the noise
of this very run (computed from the truth and the run's own reliabilities, never a constant),
and whether the interval covers it:

- ``control_recovery``: preferences vs their latent; the recovery must be above 0, and no
  measure correlates with anything beyond the square root of its reliability (its ``ceiling``),
  so the interval must reach below that;
- ``control_consistency``: short vs long; the path runs short measure -> short latent -> long
  latent -> long measure, so the expectation is the product of the two recoveries and the
  planted latent correlation over the values both measures have (``planted_observed``; rare
  values drop out, and over a subset the latents need not correlate exactly as planted);
  whether the corrected value covers the planted one is reported beside it;
- ``control_order_swap``: answering "Action 1" with probability b regardless of content keeps
  1 - b of the decisions when the order is swapped;
- ``control_explicit``: revealing the values flips a share s of the decisions (expected 1 - s,
  stated only without position bias, where it is exact).
"""

import numpy as np

from valueprefs.analysis.stats import correlate, row_correlations
from valueprefs.tasks import long_task

CONTROLLED_DECISIONS = {"order_swap": "control_order_swap", "implicit_vs_explicit": "control_explicit"}
ROW_KEYS = ("key", "analysis", "dataset", "k", "k2", "method", "min_evidence", "items")  # set again by ``add``


def covers(stats: dict, expected: float) -> bool:
    """Whether the row's interval contains ``expected``."""
    return bool(stats["ci_low"] <= expected <= stats["ci_high"])


def control_rows(analyses, reference: str) -> None:
    """Add the control rows of a run whose inputs carry a planted truth (``analyses``: a
    ``RunAnalyses`` whose short-vs-long and decision rows are already added; their numbers are
    reused, not recomputed)."""
    inputs, estimates = analyses.inputs, analyses.estimates
    truth, params = inputs.truth, inputs.control
    short, short_reps = estimates.short_preferences(reference)
    short_reliability = analyses.short_reliability(reference)
    _recovery(analyses, reference, short, short_reps, truth["short_latent"], short_reliability, task="short")
    planted = float(np.corrcoef(truth["short_latent"], truth["long_latent"])[0, 1])
    sample = analyses.settings.preference_sample
    for k in sorted(inputs.arguments.get(reference, {})):
        long, long_reps = estimates.long_preferences(reference, k, sample)
        reliability = analyses.long_reliability(reference, k)
        _recovery(analyses, reference, long, long_reps, truth["long_latent"], reliability, task=long_task(k).name, k=k)
        both = np.isfinite(short) & np.isfinite(long)
        latent_short, latent_long = truth["short_latent"][both], truth["long_latent"][both]
        observed = _pearson(latent_short, latent_long)  # the planted correlation over the values correlated
        expected = _pearson(short[both], latent_short) * observed * _pearson(long[both], latent_long)
        row, replicates = _added(analyses, "short_vs_long", reference, k=k)
        stats = {name: value for name, value in row.items() if name not in ROW_KEYS}
        stats |= {"planted": planted, "planted_observed": observed, "expected": expected}
        stats["passed"] = covers(stats, expected)
        stats["consistency_covers_planted"] = bool(stats["consistency_low"] <= observed <= stats["consistency_high"])
        analyses.add("control_consistency", reference, stats, replicates, k=k)
    _decision_rows(analyses, reference, params)


def _recovery(analyses, dataset, measured, replicates, latent, reliability, **where) -> None:
    stats, reps = correlate(measured, latent, replicates, np.tile(latent, (len(replicates), 1)))
    ceiling = float(np.sqrt(reliability["reliability"])) if reliability["reliability"] > 0 else float("nan")
    spearman = float(row_correlations(measured, latent, "spearman")[0][0])
    stats |= {"spearman": spearman, "ceiling": ceiling, "passed": bool(0 < stats["ci_low"] <= ceiling)}
    analyses.add("control_recovery", dataset, stats, reps, **where)


def _decision_rows(analyses, reference: str, params) -> None:
    expected = {"implicit_vs_explicit": 1.0 - params.explicit_shift} if params.position_bias == 0 else {}
    expected["order_swap"] = 1.0 - params.position_bias  # in the order the rows were added
    for analysis, value in expected.items():
        found = _added(analyses, analysis, reference)
        if found is None:  # the run has no such short-form task
            continue
        row, replicates = found
        stats = {name: row[name] for name in ("r", "p", "n", "ci_low", "ci_high")}
        stats |= {"expected": value, "passed": covers(stats, value)}
        analyses.add(CONTROLLED_DECISIONS[analysis], reference, stats, replicates, method="fraction")


def _added(analyses, analysis: str, dataset: str, **where) -> tuple[dict, np.ndarray] | None:
    """The row ``analyses`` already added for ``analysis`` on ``dataset`` (and ``where``), with
    its replicates; None if there is none."""
    for row, replicates in zip(analyses.rows, analyses.replicates, strict=True):
        if row["analysis"] == analysis and row["dataset"] == dataset and all(row[n] == v for n, v in where.items()):
            return row, np.array(replicates["replicates"])
    return None


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1]) if len(x) > 2 else float("nan")
