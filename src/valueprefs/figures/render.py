"""One paper figure from the analysis tables: its data (CSV), PNG and PDF, and its caption."""

import numpy as np
import pandas as pd

from valueprefs.analysis.stats import interval, nanmean
from valueprefs.figures import plots
from valueprefs.figures.registry import BY_NUMBER, FigureSpec, resolve
from valueprefs.io import iter_jsonl, write_csv

COLUMNS = ["model", "alignment", "r", "p", "n", "ci_low", "ci_high"]
HOW = {
    "short_vs_long": "Pearson correlation between short-form preferences (TrueSkill mu over the "
    "decisions) and long-form preferences (minus the mean normalized position of a value's first "
    "argument), over the values present in both.",
    "temperature": "Mean Spearman correlation between the long-form preferences of every pair of "
    "temperature samples (p: the largest p-value of the pairs).",
    "between_k": "Pearson correlation between long-form preferences elicited with k1 and with k2 arguments.",
    "implicit_vs_explicit": "Fraction of dilemmas whose decision stays the same when the values of "
    "both actions are revealed in the prompt (dilemmas parsed in both).",
    "specificity_path": "Pearson correlation between each value's mean path-based specificity "
    "(judge, 1-5) and its short-form preference.",
    "compression_ratio": "Pearson correlation between the gzip compression ratio of each value's "
    "arguments (higher = less diverse) and its short-form preference.",
    "recognition_overall_f1": "Micro-averaged F1 of the values a model names for each situation "
    "against the gold values (standardized to the vocabulary).",
    "recognition_f1": "Pearson correlation between each value's recognition F1 and its short-form preference.",
    "recognition_precision": "Pearson correlation between each value's recognition precision and its "
    "short-form preference.",
    "recognition_recall": "Pearson correlation between each value's recognition recall and its short-form preference.",
}
INTERVAL = (
    "Whiskers: percentile bootstrap 95% intervals ({bootstrap} resamples of the items, every "
    "estimate recomputed); * marks p < 0.05; n/a: too few values in common."
)


def figure_data(spec: FigureSpec, setting: dict, correlations: pd.DataFrame, replicates: dict) -> pd.DataFrame:
    """The rows a figure plots (also written beside it as CSV)."""
    rows = correlations[(correlations["analysis"] == spec.analysis) & (correlations["dataset"] == setting["dataset"])]
    if setting["k"] is not None:
        rows = rows[rows["k"] == setting["k"]]
    if spec.kind == "by_family":
        return rows[COLUMNS].reset_index(drop=True)
    rows = rows.assign(pair=rows["k"].astype(int).astype(str) + "-" + rows["k2"].astype(int).astype(str))
    if spec.kind == "k_pairs_by_family":
        return rows[["pair", *COLUMNS]].reset_index(drop=True)
    means = []
    for (alignment, pair), group in rows.groupby(["alignment", "pair"], sort=False):
        draws = [replicates.get((m, alignment, key), []) for m, key in zip(group["model"], group["key"], strict=True)]
        draws = [d for d in draws if len(d)]
        low, high = interval(nanmean(np.array(draws), axis=0)) if draws else (np.nan, np.nan)
        r = float(nanmean(group["r"].to_numpy(dtype=float)))
        means.append(
            {"pair": pair, "model": "mean over families", "alignment": alignment, "r": r, "p": np.nan}
            | {"n": len(group), "ci_low": low, "ci_high": high}
        )
    return pd.DataFrame(means, columns=["pair", *COLUMNS])


def caption(spec: FigureSpec, setting: dict, bootstrap: int) -> str:
    """What the figure shows and how it was computed, with the data set and k actually used."""
    where = f"Data set: {setting['dataset']}" if setting["dataset"] else "Data sets: all"
    if setting["k"] is not None:
        where += f"; k = {setting['k']} (the paper's k = {setting['paper_k']})"
    if spec.kind == "frameworks":
        how = (
            f"Mean {spec.analysis.replace('_', ' ')} of the values in each category of Aristotle's "
            "virtues and Plutchik's emotions, per model run (appendix D)."
        )
        return f"Paper figure {spec.number.lstrip('0')}: {spec.title}. {how} {where}."
    interval_note = INTERVAL.format(bootstrap=bootstrap)
    return f"Paper figure {spec.number.lstrip('0')}: {spec.title}. {HOW[spec.analysis]} {where}. {interval_note}"


def render_figure(
    number: str,
    correlations_csv: str,
    replicates_jsonl: str,
    frameworks_csv: str,
    datasets: dict[str, str],
    ks: list[int],
    reference: str | None,
    bootstrap: int,
    out_png: str,
    out_pdf: str,
    out_csv: str,
) -> str:
    """Write one figure (PNG, PDF) and the data behind it (CSV); return its caption."""
    spec = BY_NUMBER[number]
    setting = resolve(spec, datasets, ks, reference)
    text = caption(spec, setting, bootstrap)
    title = f"Figure {number.lstrip('0')}: {spec.title}"
    note = _note(spec, setting)
    if spec.kind == "frameworks":
        frame = _read(frameworks_csv)
        if not frame.empty:
            frame = frame[(frame["metric"] == spec.analysis) & (frame["k"] == setting["k"])]
        drawn = plots.frameworks(frame, title, spec.analysis.replace("_", " "), note) if not frame.empty else None
    elif setting["dataset"] is None and spec.dataset is not None:
        frame, drawn = pd.DataFrame(columns=COLUMNS), None
    else:
        correlations = _read(correlations_csv)
        replicates = {
            (row["model"], row["alignment"], row["key"]): row["replicates"]
            for _, row in iter_jsonl(replicates_jsonl, allow_empty=True)
        }
        frame = figure_data(spec, setting, correlations, replicates) if not correlations.empty else pd.DataFrame()
        if frame.empty:
            drawn = None
        elif spec.kind == "by_family":
            drawn = plots.by_family(frame, title, _ylabel(spec.analysis), note)
        else:
            drawn = plots.k_pairs(frame, title, note)
    if drawn is None:
        drawn = plots.message(title, _missing(spec, setting))
    write_csv(out_csv, frame)
    drawn.savefig(out_png, dpi=150)
    drawn.savefig(out_pdf)
    return text


def _note(spec: FigureSpec, setting: dict) -> str:
    """The setting in one short line under the plot."""
    parts = [setting["dataset"] or "all data sets"]
    if setting["k"] is not None:
        parts.append(f"k = {setting['k']}")
    if spec.kind != "frameworks":
        parts.append("whiskers: bootstrap 95% interval")
        if spec.kind != "k_pairs_mean":
            parts.append("* p < 0.05")
    return "; ".join(parts)


def _ylabel(analysis: str) -> str:
    labels = {
        "temperature": "mean Spearman",
        "implicit_vs_explicit": "fraction unchanged",
        "recognition_overall_f1": "F1",
    }
    return labels.get(analysis, "Pearson r")


def _missing(spec: FigureSpec, setting: dict) -> str:
    if spec.dataset and setting["dataset"] is None:
        return f"No {spec.dataset} data set is configured."
    return "Nothing to plot: the analysis produced no rows for this setting."


def _read(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
