"""Calibration: do the reported intervals cover what they claim? Many seeded control studies of
one size, in process, analysed exactly as the workflow analyses a run. For every consistency
statistic: the share of studies whose 95% interval covers the statistic's mean over all the
(fresh, independent) studies, the share whose estimate lies inside its own interval, and, for
controls planted fully consistent (rho = 1) and inconsistent (rho = 0), the mean expected and
corrected values and how often the corrected interval covers the planted correlation (over the
values each study correlates) and the corrected value's own mean over the studies, and how
often it excludes the other control's planted value (an interval wide enough to cover
everything would cover the planted value too); for every control check, how often it passed."""

from dataclasses import replace

import numpy as np
import pandas as pd
from tqdm import tqdm

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.control_study import control_study
from valueprefs.analysis.inputs import Settings
from valueprefs.synthetic.behaviour import ControlParams

STATISTICS = ("short_vs_long", "temperature", "between_k")
CHECKS = ("control_recovery", "control_consistency", "control_order_swap", "control_explicit")
PLANTED = {"consistent": 1.0, "inconsistent": 0.0}


def calibration_rows(values: list[str], calibration: dict, analysis: Settings) -> pd.DataFrame:
    """One row per control, statistic and setting: coverage over ``calibration["studies"]``
    studies of ``calibration["items"]`` generated dilemmas each (``analysis``: the run
    analysis settings; each study reseeds them)."""
    frames = []
    for control, rho in PLANTED.items():
        params = ControlParams.from_spec({**calibration["control"], "consistency": rho})
        studies = []
        for study in tqdm(range(calibration["studies"]), desc=f"calibration: {control} control", unit="study"):
            inputs = control_study(
                params, values, calibration["items"], calibration["k"], calibration["n_samples"], seed=study
            )
            rows = analyze_run(inputs, replace(analysis, seed=study, reference_dataset=None))[0]
            studies.append(rows[rows["analysis"].isin(STATISTICS + CHECKS)].assign(study=study))
        frames.append(coverage(pd.concat(studies, ignore_index=True), rho).assign(control=control))
    return pd.concat(frames, ignore_index=True)


def coverage(rows: pd.DataFrame, planted: float) -> pd.DataFrame:
    """Coverage per statistic and setting over the studies in ``rows`` (one row per study);
    control checks report how often they passed."""
    found = []
    for key, group in rows.groupby("key", sort=True):
        reference = group["r"].mean()
        record = {
            "statistic": group["analysis"].iloc[0],
            "setting": key.split("/", 2)[-1],
            "studies": len(group),
            "mean_estimate": reference,
            "coverage": _share(group["ci_low"] <= reference, group["ci_high"] >= reference),
            "estimate_in_interval": _share(group["ci_low"] <= group["r"], group["r"] <= group["ci_high"]),
        }
        if record["statistic"] in CHECKS:
            record["passed"] = float(group["passed"].astype(bool).mean())
        if record["statistic"] == "control_consistency":
            corrected = group.dropna(subset=["corrected_low"])
            target = corrected["planted_observed"]
            record |= {"planted": planted, "planted_observed": group["planted_observed"].mean()}
            record["mean_expected"] = group["expected"].mean()
            record["mean_corrected"] = corrected["r_corrected"].mean()
            record["corrected_covers_planted"] = _share(
                corrected["corrected_low"] <= target, corrected["corrected_high"] >= target
            )
            mean = record["mean_corrected"]  # what the corrected value estimates at this size
            low, high = corrected["corrected_low"], corrected["corrected_high"]
            record["corrected_covers_mean"] = _share(low <= mean, high >= mean)
            opposite = 1.0 - planted  # the other control's planted value: 0 for rho = 1, 1 for rho = 0
            record["corrected_excludes_opposite"] = _share((low > opposite) | (high < opposite))
        found.append(record)
    return pd.DataFrame(found)


def _share(*conditions: pd.Series) -> float:
    together = np.logical_and.reduce([np.asarray(condition, dtype=bool) for condition in conditions])
    return float(together.mean()) if len(together) else float("nan")
