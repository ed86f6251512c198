"""Which 95% interval covers on the calibration controls: the same item replicates of many
seeded control studies, turned into intervals three ways.

- normal: the estimate +- 1.96 replicate standard deviations (the workflow's interval);
- recentred: the replicates' 2.5 and 97.5 percentiles shifted by their bias (mean - estimate);
- basic: the percentiles reflected around the estimate (2 x estimate - percentile).

Coverage is the share of studies whose interval holds the statistic's mean over all studies,
as in `snakemake calibrate`. Settings are the calibration defaults of config.yaml.

    .venv/bin/python bench/bench_interval_methods.py --studies 100
"""

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.control_study import control_study
from valueprefs.analysis.settings import Settings
from valueprefs.analysis.stats import NORMAL_QUANTILE
from valueprefs.config import check_config
from valueprefs.data.demo import demo_vocabulary
from valueprefs.synthetic.behaviour import ControlParams

REPO = Path(__file__).resolve().parents[1]
STATISTICS = ("short_vs_long", "temperature", "between_k", "control_recovery")


def study_rows(studies: int) -> pd.DataFrame:
    """Estimate and replicates of every consistency statistic, per control and study."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    check_config(config, [str(REPO / "config.yaml")], str(REPO / "workflow/schemas/config.schema.yaml"))
    calibration = config["calibration"]
    settings = Settings.from_analysis(config["analysis"], calibration["n_samples"])
    values = list(demo_vocabulary()["value"])
    records = []
    for control, rho in (("rho = 1", 1.0), ("rho = 0", 0.0)):
        params = ControlParams.from_spec({**calibration["control"], "consistency": rho})
        for study in range(studies):
            inputs = control_study(
                params, values, calibration["items"], calibration["k"], calibration["n_samples"], seed=study
            )
            rows, replicates, _ = analyze_run(inputs, replace(settings, seed=study, reference_dataset=None))
            draws = {entry["key"]: np.array(entry["replicates"]) for entry in replicates}
            for row in rows[rows["analysis"].isin(STATISTICS)].itertuples():
                records.append({"control": control, "key": row.key, "r": row.r, "replicates": draws[row.key]})
    return pd.DataFrame(records)


def intervals(r: float, replicates: np.ndarray) -> dict[str, tuple[float, float]]:
    finite = replicates[np.isfinite(replicates)]
    mean, sd = finite.mean(), finite.std(ddof=1)
    low, high = np.percentile(finite, [2.5, 97.5])
    return {
        "normal": (r - NORMAL_QUANTILE * sd, r + NORMAL_QUANTILE * sd),
        "recentred": (r + low - mean, r + high - mean),
        "basic": (r - (high - mean), r - (low - mean)),
    }


def coverage_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per control and statistic: the mean and sd of the estimate over studies, the mean
    replicate sd, and each method's coverage of the mean."""
    found = []
    for (control, key), group in rows.groupby(["control", "key"], sort=False):
        reference = group["r"].mean()
        hits: dict[str, list[bool]] = {}
        for r, replicates in zip(group["r"], group["replicates"], strict=True):
            for method, (low, high) in intervals(r, replicates).items():
                hits.setdefault(method, []).append(max(low, -1.0) <= reference <= min(high, 1.0))
        found.append(
            {"control": control, "statistic": key, "studies": len(group), "mean": reference,
             "sd_across_studies": group["r"].std(), "mean_replicate_sd": group["replicates"].map(np.std).mean()}
            | {method: float(np.mean(hit)) for method, hit in hits.items()}
        )  # fmt: skip
    return pd.DataFrame(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=100, help="seeded studies per control")
    table = coverage_table(study_rows(parser.parse_args().studies))
    print(table.round(3).to_string(index=False))
    methods = ["normal", "recentred", "basic"]
    print("rows at 0.90 or more:", {m: int((table[m] >= 0.9).sum()) for m in methods}, "of", len(table))
    print("lowest coverage:", {m: round(float(table[m].min()), 2) for m in methods})


if __name__ == "__main__":
    main()
