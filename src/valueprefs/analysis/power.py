"""Power of the headline consistency for a study's own vocabulary and item count: seeded control
studies with a planted value-level consistency (rho), analysed exactly as a run, and per rho
and k how wide the headline's interval is, how often it covers the planted correlation, and the
smallest consistency a run of this size tells from 0 (``detectable``) or from another run of
this size (``detectable_difference``), with 80% power at a two-sided 5%."""

from dataclasses import replace

import numpy as np
import pandas as pd
from tqdm import tqdm

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.control_study import control_study, dilemma_shape, fresh_latents
from valueprefs.analysis.settings import Settings
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.scenarios import scenario_control

POWER = 2.8  # standard errors between 0 and a value detected with 80% power at two-sided 5%


def control_studies(
    control: dict,
    rho: float,
    values: list[str],
    items: int,
    ks: list[int],
    studies: int,
    settings: Settings,
    n_samples: int = 0,
) -> pd.DataFrame:
    """The control_consistency rows of ``studies`` seeded studies of one planted rho (with
    ``n_samples`` temperature samples per long answer besides the greedy one)."""
    params = ControlParams.from_spec({**control, "consistency": rho})
    shape = dilemma_shape(control)
    rows = []
    for seed in tqdm(range(studies), desc=f"power: {items} dilemmas, rho {rho:g}", unit="study"):
        inputs = control_study(fresh_latents(params, 1000 + seed), values, items, ks, n_samples, 1000 + seed, *shape)
        found = analyze_run(inputs, replace(settings, seed=1000 + seed, reference_dataset=None))[0]
        rows.append(found[found["analysis"] == "control_consistency"].assign(rho=rho, items=items))
    return pd.concat(rows, ignore_index=True)


def power_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per item count, planted rho and k: the paper's r and how often its p < 0.05, the
    headline's mean, how often it is ``unreliable``, its interval's mean width, its standard error
    (width / 3.92) against the study-to-study spread, how often the interval covers the planted
    correlation over the values correlated, how often its p < 0.05, and ``detectable`` (2.8
    standard errors; times sqrt 2 for a difference between two runs)."""
    found = []
    for (items, rho, k), group in rows.groupby(["items", "rho", "k"]):
        estimated = group.dropna(subset=["consistency"])
        low, high, planted = estimated["consistency_low"], estimated["consistency_high"], estimated["planted_observed"]
        se = float(((high - low) / 3.92).mean()) if len(estimated) else float("nan")
        found.append(
            {
                "items": int(items),
                "rho": rho,
                "k": int(k),
                "studies": len(group),
                "paper_r": group["r"].mean(),
                "paper_p_below_05": (group["p"] < 0.05).mean(),
                "consistency": estimated["consistency"].mean(),
                "unreliable": 1 - len(estimated) / len(group),
                "width": float((high - low).mean()),
                "se": se,
                "spread": estimated["consistency"].std(),
                "covers_planted": ((low <= planted) & (planted <= high)).mean(),
                "p_below_05": (estimated["consistency_p"] < 0.05).mean(),
                "detectable": POWER * se,
                "detectable_difference": POWER * se * np.sqrt(2.0),
            }
        )
    return pd.DataFrame(found)


def power_table(values: list[str], power: dict, control: dict, ks: list[int], settings: Settings) -> pd.DataFrame:
    """``power_summary`` of ``power["studies"]`` studies per item count (``power["items"]``) and
    planted rho (``power["rho"]``) in the scenario ``power["scenario"]`` (``control``: the
    calibration control it presets)."""
    preset = scenario_control({**control, "scenario": power["scenario"]})
    rows = [
        control_studies(preset, rho, values, items, ks, power["studies"], settings)
        for items in power["items"]
        for rho in power["rho"]
    ]
    return power_summary(pd.concat(rows, ignore_index=True)).assign(scenario=power["scenario"], values=len(values))
