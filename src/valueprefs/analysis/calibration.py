"""Calibration: do the reported intervals cover what they claim? Many seeded control studies of
one size per scenario (``synthetic.scenarios``: the estimators' own assumptions, and presets
that break them), in process, analysed exactly as the workflow analyses a run. For every
consistency statistic: the share of studies whose 95% interval covers the statistic's mean over
all the (fresh, independent) studies, the share whose estimate lies inside its own interval,
how often p < 0.05; and, for controls planted fully consistent (rho = 1) and inconsistent
(rho = 0), the mean expected value and the headline ``consistency``: how often its interval
covers the planted correlation (over the values each study correlates, and over the whole
vocabulary) and its own mean over the studies, how often it excludes the other control's
planted value (an interval wide enough to cover everything would cover the planted value too),
and how often its p < 0.05 (at rho = 0, a false positive); for every control check, how often
it passed."""

from dataclasses import replace

import numpy as np
import pandas as pd
from tqdm import tqdm

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.control_study import control_study, dilemma_shape, fresh_latents
from valueprefs.analysis.settings import Settings
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.scenarios import TUNED_ON, scenario_control

STATISTICS = ("short_vs_long", "temperature", "between_k")
CHECKS = ("control_recovery", "control_consistency", "control_order_swap", "control_explicit")
PLANTED = {"consistent": 1.0, "inconsistent": 0.0}
SAME_LATENT = ("temperature", "between_k")  # measures of one latent: planted consistency 1 in every control


def calibration_rows(values: list[str], calibration: dict, analysis: Settings) -> pd.DataFrame:
    """One row per scenario, control, statistic and setting: coverage over
    ``calibration["studies"]`` studies of ``calibration["items"]`` generated dilemmas each
    (``analysis``: the run analysis settings; each study reseeds them). ``tuned_on`` marks the
    scenarios the methods were chosen on: coverage elsewhere is the honest test."""
    frames = []
    for scenario in calibration.get("scenarios", list(TUNED_ON)):
        control = scenario_control({**calibration["control"], "scenario": scenario})
        shape = dilemma_shape(control)
        for name, rho in PLANTED.items():
            params = ControlParams.from_spec({**control, "consistency": rho})
            studies = []
            progress = tqdm(range(calibration["studies"]), desc=f"calibration: {scenario}, {name}", unit="study")
            for study in progress:
                size = calibration["items"], calibration["k"], calibration["n_samples"]
                inputs = control_study(fresh_latents(params, study), values, *size, study, *shape)
                rows = analyze_run(inputs, replace(analysis, seed=study, reference_dataset=None))[0]
                studies.append(rows[rows["analysis"].isin(STATISTICS + CHECKS)].assign(study=study))
            found = coverage(pd.concat(studies, ignore_index=True), rho)
            frames.append(found.assign(scenario=scenario, tuned_on=scenario in TUNED_ON, control=name))
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
            "p_below_05": _share(group["p"] < 0.05),  # for rho = 0 short vs long: the false-positive rate
        }
        if record["statistic"] in CHECKS:
            record["passed"] = float(group["passed"].astype(bool).mean())
        if record["statistic"] in SAME_LATENT and "consistency" in group:
            record |= _headline(group, 1.0)  # one long-form latent behind both measures
        if record["statistic"] == "control_consistency":
            record |= {"planted": planted, "planted_observed": group["planted_observed"].mean()}
            record["mean_expected"] = group["expected"].mean()
            record |= _headline(group, group["planted_observed"])
            estimated = group.dropna(subset=["consistency"])
            low, high = estimated["consistency_low"], estimated["consistency_high"]
            record["consistency_covers_rho"] = _share(low <= planted, high >= planted)  # over the whole vocabulary
            opposite = 1.0 - planted  # the other control's planted value: 0 for rho = 1, 1 for rho = 0
            record["consistency_excludes_opposite"] = _share((low > opposite) | (high < opposite))
        found.append(record)
    return pd.DataFrame(found)


def _headline(group: pd.DataFrame, target) -> dict:
    """The headline consistency over the studies that estimated it (the others found a measure
    too unreliable; ``consistency_estimated`` is their share): its mean, how often its interval
    covers ``target`` (the planted value-level consistency) and its own mean, and how often its
    p < 0.05 (at a planted 0: a false positive)."""
    estimated = group["consistency"].notna()
    found = group[estimated]
    target = target[estimated] if isinstance(target, pd.Series) else target
    low, high = found["consistency_low"], found["consistency_high"]
    mean = found["consistency"].mean()
    return {
        "consistency_estimated": float(estimated.mean()),
        "mean_consistency": mean,
        "consistency_covers_planted": _share(low <= target, high >= target),
        "consistency_covers_mean": _share(low <= mean, high >= mean),
        "consistency_p_below_05": _share(found["consistency_p"] < 0.05),
    }


def _share(*conditions: pd.Series) -> float:
    together = np.logical_and.reduce([np.asarray(condition, dtype=bool) for condition in conditions])
    return float(together.mean()) if len(together) else float("nan")
