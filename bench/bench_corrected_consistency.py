"""How close a perfectly consistent control's corrected consistency comes to 1: the rho = 1
control (short- and long-form latents identical) at growing numbers of dilemmas, analysed as a
run.

Per size, averaged over seeded studies: the short- and long-form preferences' Pearson with
the latent, each measure's split-half reliability, the observed short-vs-long r and the
corrected consistency (across halves, over the half-length reliabilities, all three over the
values both measures have in both halves). Disattenuation removes noise; it cannot remove
differences between what the two measures are without noise: TrueSkill pulls values with few
games toward its prior (how far depends on how often a value is played, not on its latent), and
a first argument's position saturates for values that always lead. What is left of those
differences keeps the mean a few points below 1.

    .venv/bin/python bench/bench_corrected_consistency.py --sizes 200 800 3200 --studies 20
"""

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from valueprefs.analysis.control_study import control_study
from valueprefs.analysis.estimates import Estimates
from valueprefs.analysis.measures import long_measure, short_measure
from valueprefs.analysis.reliability import corrected_ratio
from valueprefs.analysis.settings import Settings
from valueprefs.analysis.stats import nanmean, row_correlations
from valueprefs.config import check_config
from valueprefs.data.demo import demo_vocabulary
from valueprefs.synthetic.behaviour import ControlParams

REPO = Path(__file__).resolve().parents[1]
K = 10


def study(params: ControlParams, values: list[str], items: int, settings: Settings, seed: int) -> dict:
    """One study's measures against the latent and against each other."""
    inputs = control_study(params, values, items, [K], 0, seed=seed)
    estimates = Estimates(inputs, replace(settings, seed=seed, reference_dataset=None, bootstrap=0))
    short_form, long_form = short_measure("dilemmas"), long_measure("dilemmas", K)
    short = estimates.short_preferences("dilemmas")[0]
    long = estimates.long_preferences("dilemmas", K, 0)[0]
    latent = inputs.truth["short_latent"]
    point = estimates.consistency(short_form, long_form, estimates.row_values([short_form, long_form]))[0]
    across, half_x, half_y = (float(nanmean(point[name])) for name in ("across", "half_x", "half_y"))
    return {
        "items": items,
        "short_vs_latent": row_correlations(short, latent)[0][0],
        "long_vs_latent": row_correlations(long, latent)[0][0],
        "short_reliability": estimates.short_reliability("dilemmas")["reliability"],
        "long_reliability": estimates.long_reliability("dilemmas", K)["reliability"],
        "short_vs_long": row_correlations(short, long)[0][0],
        "corrected": float(corrected_ratio(np.array([across]), np.array([half_x]), np.array([half_y]))[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 800, 3200])
    parser.add_argument("--studies", type=int, default=5)
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    check_config(config, [str(REPO / "config.yaml")], str(REPO / "workflow/schemas/config.schema.yaml"))
    settings = Settings.from_analysis(config["analysis"])
    params = ControlParams.from_spec({**config["calibration"]["control"], "consistency": 1.0})
    values = list(demo_vocabulary()["value"])
    rows = [study(params, values, size, settings, seed) for size in args.sizes for seed in range(args.studies)]
    print(pd.DataFrame(rows).groupby("items").mean().round(3).to_markdown())


if __name__ == "__main__":
    main()
