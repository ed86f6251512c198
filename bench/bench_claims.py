"""How often the scorecard calls the alignment claim ("instruct more consistent than base, short vs
long") on control pairs with a known answer: a planted difference of 0 (base and instruct two
independent draws of a model with the same consistency) should be called supported or
contradicted in at most 5-6% of studies; a planted gain (base rho 0.2, instruct rho 0.8, one
latent draw as the demo's control-aligned family) should be supported. Both runs of a pair
answer the same generated dilemmas, as base and instruct of a family answer the same data set.

    .venv/bin/python bench/bench_claims.py --scenario assumptions dilemma_effects --studies 50
"""

import argparse
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml
from tqdm import tqdm

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.claims import claims_table
from valueprefs.analysis.control_study import control_study, dilemma_shape, fresh_latents
from valueprefs.analysis.settings import Settings
from valueprefs.config import check_config
from valueprefs.data.demo import demo_vocabulary
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.scenarios import SCENARIOS, scenario_control

REPO = Path(__file__).resolve().parents[1]
CLAIM = "alignment_short_long"


def pair_verdict(control: dict, rhos: tuple[float, float], independent: bool, study: int, values, items, ks, settings):
    """The alignment claim's line for one pair (base rho, instruct rho) on one study's dilemmas;
    the two runs draw their latents independently (``fresh_latents``) or share them."""
    tables, drawn = [], []
    for offset, (alignment, rho) in enumerate(zip(("base", "instruct"), rhos, strict=True)):
        draw = 2 * study + (offset if independent else 0)
        params = fresh_latents(ControlParams.from_spec({**control, "consistency": rho}), draw)
        inputs = control_study(params, values, items, ks, 0, study, *dilemma_shape(control))
        rows, replicates, _ = analyze_run(inputs, replace(settings, seed=study, reference_dataset=None))
        run = {"model": "pair", "alignment": alignment}
        tables.append(rows.assign(**run))
        drawn += [{**run, **line} for line in replicates]
    found = claims_table(pd.concat(tables, ignore_index=True), drawn, {"dilemmas": "dilemmas"})
    return found.set_index("claim").loc[CLAIM].to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=list(SCENARIOS), nargs="+", default=["assumptions"])
    parser.add_argument("--studies", type=int, default=20)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--k", type=int, nargs="+", default=[5])
    parser.add_argument("--null-rho", type=float, default=0.5, help="the consistency of both runs of a null pair")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    check_config(config, [str(REPO / "config.yaml")], str(REPO / "workflow/schemas/config.schema.yaml"))
    settings = Settings.from_analysis(config["analysis"])
    values = list(demo_vocabulary()["value"])
    lines = []
    for scenario in args.scenario:
        control = scenario_control({**config["calibration"]["control"], "scenario": scenario})
        pairs = {
            "null, independent draws": ((args.null_rho, args.null_rho), True),
            "gain 0.6, shared": ((0.2, 0.8), False),
        }
        for planted, (rhos, independent) in pairs.items():
            for study in tqdm(range(args.studies), desc=f"{scenario}, {planted}", unit="study"):
                found = pair_verdict(control, rhos, independent, study, values, args.items, args.k, settings)
                lines.append({"scenario": scenario, "planted": planted, **found})
    table = pd.DataFrame(lines)
    summary = table.groupby(["scenario", "planted"], sort=False).agg(
        studies=("verdict", "size"),
        supported=("verdict", lambda v: (v == "supported").mean()),
        contradicted=("verdict", lambda v: (v == "contradicted").mean()),
        undecided=("verdict", lambda v: (v == "undecided").mean()),
        mean_estimate=("estimate", "mean"),
    )
    print(f"{len(values)} values, {args.items} dilemmas, k {args.k}, claim {CLAIM}")
    print(summary.round(3).to_markdown())


if __name__ == "__main__":
    main()
