"""What the short form follows besides a value's own preference, per scenario: one rho = 1
control study, and the Spearman correlation of the short-form preferences (TrueSkill) and of the
headline's long-form measure (ranks within actions) with the planted latent, before and after the
headline's covariates are taken out; of the short form with the mean latent of a value's set
mates, the mean size of its sets and its frequency; and the short form's split-half reliability
(Spearman, as the headline takes it: its square root bounds any correlation with the latent).

    .venv/bin/python bench/bench_short_form_confounds.py --scenario everything max_rule wide_sets
"""

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.stats import spearmanr

from valueprefs.analysis.control_study import control_study, dilemma_shape
from valueprefs.analysis.estimates import Estimates
from valueprefs.analysis.measures import long_measure, short_measure
from valueprefs.analysis.reliability import residuals, split_half_reliability
from valueprefs.analysis.settings import Settings
from valueprefs.config import check_config
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.scenarios import SCENARIOS, scenario_control

REPO = Path(__file__).resolve().parents[1]
SIDES = ("values_to_do", "values_not_to_do")


def set_properties(items: list[dict], index: dict[str, int], latent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per value: the mean latent of the other values on its side, and the mean size of its sides."""
    mates, sizes = [[] for _ in index], [[] for _ in index]
    for item in items:
        for side in SIDES:
            members = [index[value] for value in item[side]]
            for member in members:
                mates[member] += [latent[other] for other in members if other != member]
                sizes[member].append(len(members))
    return tuple(np.array([np.mean(found) if found else np.nan for found in per]) for per in (mates, sizes))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    keep = np.isfinite(x) & np.isfinite(y)
    return float(spearmanr(x[keep], y[keep])[0])


def study_row(scenario: str, config: dict, settings: Settings, values: list[str], items: int, k: int) -> dict:
    control = scenario_control({**config["calibration"]["control"], "scenario": scenario})
    params = ControlParams.from_spec({**control, "consistency": 1.0})
    inputs = control_study(params, values, items, [k], 0, 7, *dilemma_shape(control))
    estimates = Estimates(inputs, replace(settings, bootstrap=2))
    short_form = short_measure("dilemmas")
    short = estimates.measured(short_form)["point"]
    ranks = estimates.measured(long_measure("dilemmas", k).within_sides())["point"]
    latent = inputs.truth["short_latent"]
    covariates = estimates.value_covariates("dilemmas")
    mates, sizes = set_properties(inputs.items["dilemmas"], estimates.index, latent)
    return {
        "scenario": scenario,
        "short ~ latent": spearman(short, latent),
        "short net of covariates ~ latent": spearman(residuals(short[None, :], covariates)[0], latent),
        "short reliability": split_half_reliability(*estimates.halves(short_form, 1), "spearman")["reliability"],
        "ranks within actions ~ latent": spearman(ranks, latent),
        "short ~ set mates' latent": spearman(short, mates),
        "short ~ set size": spearman(short, sizes),
        "short ~ log frequency": spearman(short, covariates[:, 1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=list(SCENARIOS), nargs="+", default=["everything"])
    parser.add_argument("--values", type=int, default=120)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    check_config(config, [str(REPO / "config.yaml")], str(REPO / "workflow/schemas/config.schema.yaml"))
    settings = Settings.from_analysis(config["analysis"])
    values = [f"value {i:03d}" for i in range(args.values)]
    rows = [study_row(scenario, config, settings, values, args.items, args.k) for scenario in args.scenario]
    print(f"{args.values} values, {args.items} dilemmas, k {args.k}, rho = 1, one study")
    print(pd.DataFrame(rows).round(2).to_markdown(index=False))


if __name__ == "__main__":
    main()
