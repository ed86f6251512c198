"""Is the set rule read right, and what can a short form say under a rule of the strongest value?
Per scenario, seeded rho = 1 control studies over made-up values: how often `set_rule` reads
`strongest`, the gain of the best soft maximum over the sum in held-out log-likelihood per
decision (in its standard errors), and, on the first study, the Spearman correlation with the
planted latent of TrueSkill's preferences and of the soft-maximum fit (temperature 0.5), over the
upper and the lower half of the values by latent.

    .venv/bin/python bench/bench_set_rule.py --values 301 --items 1360 --studies 4
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.stats import spearmanr

from valueprefs.analysis.control_study import control_study, dilemma_shape
from valueprefs.config import check_config
from valueprefs.preferences.set_strength import fit_set_strength, set_rule
from valueprefs.preferences.trueskill_games import GameTable, padded_orders, play
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.scenarios import SCENARIOS, scenario_control

REPO = Path(__file__).resolve().parents[1]


def halves_followed(table: GameTable, latent: np.ndarray) -> dict:
    """Spearman of each estimator with the latent, over the upper and the lower half of values."""
    trueskill = play(table, padded_orders([np.arange(len(table.winners))]))[0][0]
    soft_max = fit_set_strength(table, np.ones((1, len(table.winners))), 0.5)[0]
    upper = latent > np.median(latent)
    found = {}
    for name, estimate in (("trueskill", trueskill), ("soft max", soft_max)):
        for half, keep in (("upper", upper), ("lower", ~upper)):
            found[f"{name} ~ latent, {half} half"] = float(spearmanr(estimate[keep], latent[keep])[0])
    return found


def scenario_row(scenario: str, control: dict, values: list[str], items: int, studies: int) -> dict:
    control = scenario_control({**control, "scenario": scenario})
    rules, gains, started, row = [], [], time.perf_counter(), {"scenario": scenario}
    for study in range(studies):
        params = ControlParams.from_spec({**control, "consistency": 1.0, "latent_seed": 1000 + study})
        inputs = control_study(params, values, items, [5], 0, 500 + study, *dilemma_shape(control))
        table = GameTable.from_games(inputs.short["dilemmas"]["short"].games, len(values))
        found = set_rule(table)
        rules.append(found["set_rule"])
        gains.append(found["set_rule_gain"] / found["set_rule_se"])
        if study == 0:
            row |= halves_followed(table, np.asarray(inputs.truth["short_latent"]))
    row |= {
        "strongest": f"{rules.count('strongest')} of {studies}", "sum": f"{rules.count('sum')} of {studies}",
        "gain / se (mean)": float(np.mean(gains)), "gain / se (min)": min(gains), "gain / se (max)": max(gains),
        "s per study": (time.perf_counter() - started) / studies,
    }  # fmt: skip
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=list(SCENARIOS), nargs="+", default=list(SCENARIOS))
    parser.add_argument("--values", type=int, default=301)
    parser.add_argument("--items", type=int, default=1360)
    parser.add_argument("--studies", type=int, default=4)
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    check_config(config, [str(REPO / "config.yaml")], str(REPO / "workflow/schemas/config.schema.yaml"))
    values = [f"value {i:03d}" for i in range(args.values)]
    control = config["calibration"]["control"]
    rows = [scenario_row(scenario, control, values, args.items, args.studies) for scenario in args.scenario]
    print(f"{args.values} values, {args.items} dilemmas, rho = 1, {args.studies} studies per scenario")
    print(pd.DataFrame(rows).round(2).to_markdown(index=False))


if __name__ == "__main__":
    main()
