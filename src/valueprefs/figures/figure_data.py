"""What a paper figure shows: the rows of the analysis tables it plots, and the notes under it."""

import numpy as np
import pandas as pd

from valueprefs.analysis.stats import interval, nanmean
from valueprefs.figures.captions import HEADLINE_ANALYSES  # bars: the headline; dots: the paper's statistic
from valueprefs.figures.registry import FigureSpec, lacks_k

COLUMNS = ["model", "alignment", "r", "p", "n", "ci_low", "ci_high"]
CEILING_COLUMNS = ["ceiling", "min_evidence"]  # noise ceiling (split-half reliabilities), evidence threshold
PAPER_COLUMN = "paper_r"


def headline_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Consistency rows with the headline in ``r``, its interval and p, and the paper's
    same-item statistic in ``paper_r`` (no noise ceiling: the headline is corrected already)."""
    headline = {"r": "consistency", "ci_low": "consistency_low", "ci_high": "consistency_high", "p": "consistency_p"}
    headline |= {"n": "consistency_n"} if "consistency_n" in rows.columns else {}
    found = rows.assign(**{PAPER_COLUMN: rows["r"]}, **{to: rows[column] for to, column in headline.items()})
    return found.drop(columns=["ceiling"], errors="ignore")


def figure_data(
    spec: FigureSpec, setting: dict, correlations: pd.DataFrame, replicates: dict, controls: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The rows a figure plots (also written beside it as CSV), each marked whether its model is a
    calibration control (``controls``: their family names); means over families leave controls
    out (their planted truths differ) and show each control beside the mean."""
    rows = correlations[(correlations["analysis"] == spec.analysis) & (correlations["dataset"] == setting["dataset"])]
    rows = rows.assign(control=rows["model"].isin(controls))
    if setting["k"] is not None:
        rows = rows[rows["k"] == setting["k"]]
    headline = spec.analysis in HEADLINE_ANALYSES and "consistency" in rows.columns
    if headline:
        rows = headline_rows(rows)
    extra = [column for column in CEILING_COLUMNS if column in rows.columns and rows[column].notna().any()]
    extra += [PAPER_COLUMN] if headline else []
    labels = ["correction"] if headline and "correction" in rows.columns else []  # "unreliable" under a bar
    if spec.kind == "by_family":
        return rows[[*COLUMNS, "control", *extra, *labels]].reset_index(drop=True)
    rows = rows.assign(pair=rows["k"].astype(int).astype(str) + "-" + rows["k2"].astype(int).astype(str))
    if spec.kind == "k_pairs_by_family":
        return rows[["pair", *COLUMNS, "control", *extra, *labels]].reset_index(drop=True)
    means = [
        {"pair": pair, "model": "mean over families", "alignment": alignment, "control": False}
        | _mean_over(group, replicates, headline, extra)
        for (alignment, pair), group in rows[~rows["control"]].groupby(["alignment", "pair"], sort=False)
    ]
    columns = ["pair", *COLUMNS, "control", *extra]
    parts = [part for part in (pd.DataFrame(means, columns=columns), rows[rows["control"]][columns]) if not part.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _mean_over(group: pd.DataFrame, replicates: dict, headline: bool, extra: list[str]) -> dict:
    """The mean of ``group``'s rows (one per family) with its interval from their replicates."""
    keys = group["key"] + ("/consistency" if headline else "")
    draws = [
        replicates.get((m, a, key), []) for m, a, key in zip(group["model"], group["alignment"], keys, strict=True)
    ]
    draws = [d for d in draws if len(d)]
    r = float(nanmean(group["r"].to_numpy(dtype=float)))
    low, high = interval(nanmean(np.array(draws), axis=0), r) if draws else (np.nan, np.nan)
    return {"r": r, "p": np.nan, "n": len(group), "ci_low": low, "ci_high": high} | {
        column: float(nanmean(group[column].to_numpy(dtype=float))) for column in extra
    }


# What a replicate resamples, as the whiskers' label names it (``analysis.resampling``).
WHISKERS = {"half": "delete-half jackknife", "bootstrap": "bootstrap"}


def note(spec: FigureSpec, setting: dict, resampling: str) -> str:
    """The setting in one short line under the plot (``resampling``: the config's, behind the whiskers)."""
    parts = [setting["dataset"] or "all data sets"]
    if setting["k"] is not None:
        parts.append(f"k = {setting['k']}")
    if spec.kind != "frameworks":
        parts.append(f"whiskers: {WHISKERS[resampling]} 95% interval")
        if spec.kind != "k_pairs_mean":
            parts.append("* p < 0.05")
    return "; ".join(parts)


def evidence_note(frame: pd.DataFrame) -> str:
    """What the bar markers and the evidence threshold mean, when the rows carry them."""
    parts = []
    if PAPER_COLUMN in frame.columns:
        parts.append(
            "bars: value-level consistency (across halves of the items, corrected for noise); dots: the paper's r"
        )
    if "ceiling" in frame.columns and frame["ceiling"].notna().any():
        parts.append("bar marks: noise ceiling (split-half reliabilities)")
    if "min_evidence" in frame.columns and frame["min_evidence"].notna().any():
        threshold = int(frame["min_evidence"].max())
        parts.append(f"values in fewer than {threshold} games or annotated answers excluded")
    return "".join(f"; {part}" for part in parts)


def ylabel(analysis: str) -> str:
    """The y axis label of a bar figure."""
    if analysis in HEADLINE_ANALYSES:
        return "consistency"
    labels = {
        "implicit_vs_explicit": "fraction unchanged",
        "recognition_overall_f1": "F1",
    }
    return labels.get(analysis, "Pearson r")


def missing(spec: FigureSpec, setting: dict) -> str:
    """Why a figure has nothing to plot."""
    if spec.dataset and setting["dataset"] is None:
        return f"No {spec.dataset} data set is configured."
    if lacks_k(spec, setting):
        ks = ", ".join(str(k) for k in setting["ks"]) or "none"
        return (
            f"This config has no k for the paper's k = {setting['paper_k']}: generation.k ({ks}) "
            "is matched to the paper's 5, 10, 20 in order."
        )
    return "Nothing to plot: the analysis produced no rows for this setting."
