"""The headline consistency against the paper's r on control studies of one scenario and size
(the workflow's `snakemake power` runs the same for a study's own vocabulary and item count):
what each estimates, how wide the headline's interval is, how often it covers the planted
value-level consistency, and the smallest consistency a run of this size can detect
(valueprefs.analysis.power.power_summary names the columns).

    .venv/bin/python bench/bench_headline.py --scenario dilemma_effects --items 200 --studies 10
    .venv/bin/python bench/bench_headline.py --values 301 --items 1360 --k 5 10 20 --studies 4
"""

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from valueprefs.analysis.power import control_studies, power_summary
from valueprefs.analysis.settings import Settings
from valueprefs.config import check_config
from valueprefs.data.demo import demo_vocabulary
from valueprefs.synthetic.scenarios import SCENARIOS, scenario_control

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="assumptions")
    parser.add_argument("--rho", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--studies", type=int, default=10)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--n-samples", type=int, default=0, help="temperature samples per long answer")
    parser.add_argument("--values", type=int, default=0, help="made-up values in the vocabulary (0: the demo's)")
    parser.add_argument("--min-evidence", type=int, default=0, help="analysis.min_evidence (0: config.yaml's)")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    check_config(config, [str(REPO / "config.yaml")], str(REPO / "workflow/schemas/config.schema.yaml"))
    settings = Settings.from_analysis(config["analysis"], args.n_samples)
    settings = replace(settings, min_evidence=args.min_evidence or settings.min_evidence)
    values = [f"value {i:03d}" for i in range(args.values)] if args.values else list(demo_vocabulary()["value"])
    control = scenario_control({**config["calibration"]["control"], "scenario": args.scenario})
    rows = pd.concat(
        [
            control_studies(control, rho, values, args.items, args.k, args.studies, settings, args.n_samples)
            for rho in args.rho
        ],
        ignore_index=True,
    )
    size = f"{len(values)} values, {args.items} dilemmas, k {args.k}"
    print(f"scenario {args.scenario}, {size}, min_evidence {settings.min_evidence}")
    table = power_summary(rows)
    print(table.round(3).to_markdown(index=False))
    print(f"largest detectable-from-0 consistency: {np.nanmax(table['detectable']):.2f}")


if __name__ == "__main__":
    main()
