"""The headline consistency against the paper's r on control studies of one scenario and size:
what each estimates, how wide the headline's interval is, how often it covers the planted
value-level consistency, and the smallest difference a run of this size can detect.

Per planted rho and k, over seeded studies analysed as a run (control_consistency rows): the
paper's same-item r and how often its p < 0.05; the headline's mean, how often it is
``unreliable``, its interval's mean width, its estimated standard error (width / 3.92) against
the study-to-study spread, how often the interval covers the planted correlation over the
values correlated, and how often its p < 0.05. ``detectable`` is 2.8 standard errors: the
consistency a run tells from 0 with 80% power at a two-sided 5% (times sqrt 2 for a difference
between two runs of this size).

    .venv/bin/python bench/bench_headline.py --scenario dilemma_effects --items 200 --studies 10
    .venv/bin/python bench/bench_headline.py --values 301 --items 1360 --k 5 10 20 --studies 4
"""

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.control_study import control_study, dilemma_shape
from valueprefs.analysis.inputs import Settings
from valueprefs.config import check_config
from valueprefs.data.demo import demo_vocabulary
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.scenarios import SCENARIOS, scenario_control

REPO = Path(__file__).resolve().parents[1]
POWER = 2.8  # standard errors between 0 and a value detected with 80% power at two-sided 5%


def studies(control: dict, rho: float, values: list[str], args, settings: Settings) -> pd.DataFrame:
    """The control_consistency rows of ``args.studies`` seeded studies of one planted rho."""
    params = ControlParams.from_spec({**control, "consistency": rho})
    shape = dilemma_shape(control)
    rows = []
    for seed in range(args.studies):
        inputs = control_study(params, values, args.items, args.k, args.n_samples, 1000 + seed, *shape)
        found = analyze_run(inputs, replace(settings, seed=1000 + seed, reference_dataset=None))[0]
        rows.append(found[found["analysis"] == "control_consistency"].assign(rho=rho))
    return pd.concat(rows, ignore_index=True)


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per planted rho and k."""
    found = []
    for (rho, k), group in rows.groupby(["rho", "k"]):
        estimated = group.dropna(subset=["consistency"])
        low, high, planted = estimated["consistency_low"], estimated["consistency_high"], estimated["planted_observed"]
        se = float(((high - low) / 3.92).mean())
        found.append(
            {
                "rho": rho,
                "k": int(k),
                "studies": len(group),
                "paper_r": group["r"].mean(),
                "paper_p<0.05": (group["p"] < 0.05).mean(),
                "consistency": estimated["consistency"].mean(),
                "unreliable": 1 - len(estimated) / len(group),
                "width": float((high - low).mean()),
                "se": se,
                "spread": estimated["consistency"].std(),
                "covers_planted": ((low <= planted) & (planted <= high)).mean(),
                "p<0.05": (estimated["consistency_p"] < 0.05).mean(),
                "detectable": POWER * se,
            }
        )
    return pd.DataFrame(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="assumptions")
    parser.add_argument("--rho", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--studies", type=int, default=10)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--n-samples", type=int, default=0)
    parser.add_argument("--values", type=int, default=0, help="made-up values in the vocabulary (0: the demo's)")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    check_config(config, [str(REPO / "config.yaml")], str(REPO / "workflow/schemas/config.schema.yaml"))
    settings = Settings.from_config(config["analysis"], {"n_samples": args.n_samples}, {"specificity": []})
    values = [f"value {i:03d}" for i in range(args.values)] if args.values else list(demo_vocabulary()["value"])
    control = scenario_control({**config["calibration"]["control"], "scenario": args.scenario})
    rows = pd.concat([studies(control, rho, values, args, settings) for rho in args.rho], ignore_index=True)
    print(f"scenario {args.scenario}, {len(values)} values, {args.items} dilemmas, k {args.k}")
    table = summary(rows)
    print(table.round(3).to_markdown(index=False))
    print(f"largest detectable-from-0 consistency: {np.nanmax(table['detectable']):.2f}")


if __name__ == "__main__":
    main()
