"""The paper's comparisons as differences with intervals: instruct minus base per family and
pooled over families, between k settings, and dilemmas minus questions, each for the headline
consistency and the paper's statistic, with p-values adjusted within each family of
comparisons (Holm); and every pair of calibration controls, whose planted consistencies differ.

A difference of two rows is paired when both were computed on the same items (the same
``items`` digest): their bootstrap replicates then drew the same items, replicate by replicate,
and the difference is taken replicate by replicate, so what the two rows share cancels. Rows on
different items are independent: their replicates' variances add.
"""

from itertools import combinations

import numpy as np
import pandas as pd

from valueprefs.analysis.stats import interval, normal_interval, normal_p, resampled_p

CONSISTENCY_ANALYSES = ("short_vs_long", "between_k", "temperature")
ALIGNMENT_ANALYSES = (*CONSISTENCY_ANALYSES, "implicit_vs_explicit", "order_swap", "recognition_overall_f1")
STATISTICS = {"consistency": "headline consistency", "r": "paper's statistic"}
ARMS = ("instruct", "base")  # alignment comparisons: the first minus the second
BOUNDS = (-2.0, 2.0)  # a difference of two statistics in [-1, 1]
COLUMNS = ["comparison", "analysis", "dataset", "setting", "statistic", "family", "a", "b", "estimate", "ci_low",
           "ci_high", "p", "p_adjusted", "adjustment", "family_size", "a_value", "b_value", "n_a", "n_b",
           "replicates", "scheme", "families"]  # fmt: skip


class Arm:
    """One side of a comparison: a row of the correlation table, one statistic of it, and its
    replicates."""

    def __init__(self, row: pd.Series, statistic: str, replicates: dict[tuple, dict]):
        self.row, self.statistic = row, statistic
        drawn = replicates.get((row["model"], row["alignment"], row["key"]), {})
        self.point = float(row.get(statistic, np.nan))
        self.replicates = np.asarray(
            drawn.get("consistency" if statistic == "consistency" else "replicates", []), float
        )
        self.items = row.get("items")

    def label(self) -> str:
        return f"{self.row['model']}/{self.row['alignment']}: {self.row['key']}"


def difference(first: Arm, second: Arm) -> dict:
    """``first`` minus ``second`` with a 95% interval and p: replicate by replicate when both are
    on the same items (``paired``), else from the sum of their replicates' variances."""
    estimate = first.point - second.point
    paired = bool(first.items == second.items and len(first.replicates) == len(second.replicates))
    if paired:
        drawn = first.replicates - second.replicates
        variance = replicate_variance(drawn)
        low, high = interval(drawn, estimate, BOUNDS)
        p, count = resampled_p(drawn, estimate), int(np.isfinite(drawn).sum())
    else:
        drawn = None
        variance = replicate_variance(first.replicates) + replicate_variance(second.replicates)
        low, high = normal_interval(estimate, np.sqrt(variance), BOUNDS)
        p = normal_p(estimate, np.sqrt(variance))
        count = int(min(np.isfinite(first.replicates).sum(), np.isfinite(second.replicates).sum()))
    return {
        "_draws": drawn,
        "_variance": variance,
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "p": p,
        "a": first.label(),
        "b": second.label(),
        "a_value": first.point,
        "b_value": second.point,
        "n_a": first.row.get("consistency_n" if first.statistic == "consistency" else "n"),
        "n_b": second.row.get("consistency_n" if second.statistic == "consistency" else "n"),
        "replicates": count,
        "scheme": "paired" if paired else "independent",
    }


def pooled(differences: list[dict], bounds: tuple[float, float] = BOUNDS) -> dict:
    """The mean of several differences (one per family, from ``difference``): replicate by
    replicate when every one is paired, else from the sum of their variances; the interval kept
    within ``bounds`` (those of a difference; a correlation's own are [-1, 1])."""
    estimate = float(np.mean([found["estimate"] for found in differences]))
    draws = [found["_draws"] for found in differences]
    if all(drawn is not None for drawn in draws) and len({len(drawn) for drawn in draws}) == 1:
        mean = np.mean(np.vstack(draws), axis=0)
        low, high = interval(mean, estimate, bounds)
        p, scheme = resampled_p(mean, estimate), "paired"
    else:
        se = float(np.sqrt(sum(found["_variance"] for found in differences))) / len(differences)
        (low, high), p, scheme = normal_interval(estimate, se, bounds), normal_p(estimate, se), "independent"
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "p": p, "scheme": scheme}


def family_differences(rows: pd.DataFrame, statistic: str, replicates: dict[tuple, dict]) -> list[tuple[str, dict]]:
    """Instruct minus base of ``statistic`` for every family (model) whose ``rows`` (of one row
    key) hold both, in model order: (model, ``difference``)."""
    found = []
    for model, family in rows.groupby("model", sort=True):
        arms = {row["alignment"]: row for _, row in family.iterrows()}
        if set(arms) == set(ARMS):
            found.append((model, difference(*(Arm(arms[name], statistic, replicates) for name in ARMS))))
    return found


def alignment_rows(table: pd.DataFrame, replicates: dict[tuple, dict]) -> list[dict]:
    """Instruct minus base for every family that has both, per row key and statistic, and their
    mean over families."""
    rows = []
    runs = table[table["analysis"].isin(ALIGNMENT_ANALYSES) & table["alignment"].isin(ARMS)]
    for (key, statistic), found in _keyed(runs):
        per_family = family_differences(found, statistic, replicates)
        rows += [
            {**_what("alignment", key, statistic, found), "family": model, **result} for model, result in per_family
        ]
        if len(per_family) > 1:
            summary = pooled([result for _, result in per_family])
            rows.append({**_what("alignment", key, statistic, found), "family": "pooled", **summary,
                         "a": "instruct", "b": "base", "families": len(per_family)})  # fmt: skip
    return rows


def k_rows(table: pd.DataFrame, replicates: dict[tuple, dict]) -> list[dict]:
    """Within each run and data set, every pair of between-k rows: the larger k pair minus the
    other (the paper: k = 10 and 20 agree more with each other than with k = 5)."""
    rows = []
    between = table[table["analysis"] == "between_k"]
    for (model, alignment, dataset), found in between.groupby(["model", "alignment", "dataset"], sort=True):
        ordered = found.sort_values(["k", "k2"])
        for (_, lower), (_, higher) in combinations(ordered.iterrows(), 2):
            setting = f"k {_pair(higher)} minus k {_pair(lower)}"
            for statistic in STATISTICS:
                where = {"comparison": "k", "analysis": "between_k", "dataset": dataset, "setting": setting}
                where |= {"statistic": statistic, "family": f"{model}/{alignment}"}
                rows.append(
                    {**where, **difference(Arm(higher, statistic, replicates), Arm(lower, statistic, replicates))}
                )
    return rows


def dataset_pairs(table: pd.DataFrame, kinds: dict[str, str]):
    """Per run, each dilemmas data set's temperature and between-k row with a questions data
    set's row at the same analysis and k: (dilemmas row, questions row), on independent items."""
    consistency = table[table["analysis"].isin(("between_k", "temperature"))]
    for _, run in consistency.groupby(["model", "alignment"], sort=True):
        by_setting = {(row["dataset"], row["analysis"], setting_label(row)): row for _, row in run.iterrows()}
        for (dataset, analysis, setting), first in by_setting.items():
            if kinds.get(dataset) != "dilemmas":
                continue
            for other in (name for name, kind in kinds.items() if kind == "questions"):
                second = by_setting.get((other, analysis, setting))
                if second is not None:
                    yield first, second


def dataset_rows(table: pd.DataFrame, replicates: dict[tuple, dict], kinds: dict[str, str]) -> list[dict]:
    """Within each run, dilemmas minus questions for every consistency row both data sets have
    (same analysis and k): independent items."""
    rows = []
    for first, second in dataset_pairs(table, kinds):
        where = {"comparison": "dataset", "analysis": first["analysis"]}
        where |= {"dataset": f"{first['dataset']} minus {second['dataset']}", "setting": setting_label(first)}
        for statistic in STATISTICS:
            found = difference(Arm(first, statistic, replicates), Arm(second, statistic, replicates))
            rows.append({**where, "statistic": statistic, "family": f"{first['model']}/{first['alignment']}", **found})
    return rows


def control_rows(table: pd.DataFrame, replicates: dict[tuple, dict]) -> list[dict]:
    """Every pair of calibration control runs (runs with control checks), short vs long: the
    planted consistencies differ by design, so a run must tell them apart."""
    rows = []
    short_long = table[table["model"].isin(control_models(table)) & (table["analysis"] == "short_vs_long")]
    for _, found in short_long.sort_values(["model", "alignment"]).groupby("key", sort=True):
        for (_, first), (_, second) in combinations(found.iterrows(), 2):
            for statistic in STATISTICS:
                where = {"comparison": "controls", "analysis": "short_vs_long", "dataset": first["dataset"]}
                where |= {"setting": setting_label(first), "statistic": statistic, "family": "controls"}
                result = difference(Arm(first, statistic, replicates), Arm(second, statistic, replicates))
                rows.append({**where, **result})
    return rows


def control_models(table: pd.DataFrame) -> set[str]:
    """The model families of the calibration controls: those whose runs have control checks."""
    return set(table.loc[table["analysis"].str.startswith("control_"), "model"])


def replicates_by_row(replicates: list[dict]) -> dict[tuple, dict]:
    """The replicates of every row of the correlation table by (model, alignment, key)."""
    return {(row["model"], row["alignment"], row["key"]): row for row in replicates}


def comparisons_table(table: pd.DataFrame, replicates: list[dict], kinds: dict[str, str]) -> pd.DataFrame:
    """Every comparison of the paper this run can make, one row each (``comparison``: alignment,
    k, dataset; and controls: pairs of calibration controls), with Holm-adjusted p-values within
    each family of comparisons (the same comparison and statistic)."""
    drawn = replicates_by_row(replicates)
    if table.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = alignment_rows(table, drawn) + k_rows(table, drawn) + dataset_rows(table, drawn, kinds)
    rows += control_rows(table, drawn)
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    found = pd.DataFrame(rows).drop(columns=["_draws", "_variance"], errors="ignore")
    found["statistic"] = found["statistic"].map(lambda name: STATISTICS.get(name, name))
    groups = found.groupby(["comparison", "statistic"], sort=False)["p"]
    found["p_adjusted"] = groups.transform(lambda p: pd.Series(holm(p.to_numpy()), index=p.index))
    found["family_size"] = groups.transform(lambda p: int(np.isfinite(p.to_numpy()).sum()))
    found["adjustment"] = "holm"
    return found.reindex(columns=COLUMNS)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN, and does not count)."""
    p = np.asarray(p, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def _keyed(rows: pd.DataFrame):
    """(row key, statistic) and the rows of every run with that key, for each statistic the rows
    carry (the headline only where it exists)."""
    for key, found in rows.groupby("key", sort=True):
        statistics = ["r"] + (["consistency"] if "consistency" in found and found["consistency"].notna().any() else [])
        for statistic in statistics:
            yield (key, statistic), found


def _what(comparison: str, key: str, statistic: str, found: pd.DataFrame) -> dict:
    first = found.iloc[0]
    return {"comparison": comparison, "analysis": first["analysis"], "dataset": first["dataset"],
            "setting": setting_label(first), "statistic": statistic}  # fmt: skip


def setting_label(row: pd.Series) -> str:
    """A row's k setting as text ("k 5", "k 5 vs 10"; empty for rows without one)."""
    ks = [str(int(row[name])) for name in ("k", "k2") if name in row and pd.notna(row[name])]
    return f"k {' vs '.join(ks)}" if ks else ""


def _pair(row: pd.Series) -> str:
    return f"{int(row['k'])}-{int(row['k2'])}"


def replicate_variance(replicates: np.ndarray) -> float:
    """The variance of the finite replicates (NaN with fewer than two)."""
    finite = replicates[np.isfinite(replicates)]
    return float(finite.var(ddof=1)) if len(finite) >= 2 else float("nan")
