"""One paper figure from the analysis tables: its data (CSV), PNG and PDF, and its caption."""

import numpy as np
import pandas as pd

from valueprefs.analysis.stats import interval, nanmean
from valueprefs.figures import plots
from valueprefs.figures.captions import caption
from valueprefs.figures.registry import BY_NUMBER, FigureSpec, resolve
from valueprefs.figures.style import FigureStyle
from valueprefs.io import iter_jsonl, write_csv

COLUMNS = ["model", "alignment", "r", "p", "n", "ci_low", "ci_high"]
CEILING_COLUMNS = ["ceiling", "min_evidence"]  # noise ceiling (split-half reliabilities), evidence threshold


def figure_data(spec: FigureSpec, setting: dict, correlations: pd.DataFrame, replicates: dict) -> pd.DataFrame:
    """The rows a figure plots (also written beside it as CSV)."""
    rows = correlations[(correlations["analysis"] == spec.analysis) & (correlations["dataset"] == setting["dataset"])]
    if setting["k"] is not None:
        rows = rows[rows["k"] == setting["k"]]
    extra = [column for column in CEILING_COLUMNS if column in rows.columns and rows[column].notna().any()]
    if spec.kind == "by_family":
        return rows[COLUMNS + extra].reset_index(drop=True)
    rows = rows.assign(pair=rows["k"].astype(int).astype(str) + "-" + rows["k2"].astype(int).astype(str))
    if spec.kind == "k_pairs_by_family":
        return rows[["pair", *COLUMNS, *extra]].reset_index(drop=True)
    means = []
    for (alignment, pair), group in rows.groupby(["alignment", "pair"], sort=False):
        draws = [replicates.get((m, alignment, key), []) for m, key in zip(group["model"], group["key"], strict=True)]
        draws = [d for d in draws if len(d)]
        low, high = interval(nanmean(np.array(draws), axis=0)) if draws else (np.nan, np.nan)
        r = float(nanmean(group["r"].to_numpy(dtype=float)))
        means.append(
            {"pair": pair, "model": "mean over families", "alignment": alignment, "r": r, "p": np.nan}
            | {"n": len(group), "ci_low": low, "ci_high": high}
            | {column: float(nanmean(group[column].to_numpy(dtype=float))) for column in extra}
        )
    return pd.DataFrame(means, columns=["pair", *COLUMNS, *extra])


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
    style: dict | None = None,
) -> str:
    """Write one figure (PNG, PDF) and the data behind it (CSV); return its caption."""
    look = FigureStyle(**(style or {}))
    spec = BY_NUMBER[number]
    setting = resolve(spec, datasets, ks, reference)
    text = caption(spec, setting, bootstrap)
    title = f"Figure {number.lstrip('0')}: {spec.title}"
    note = _note(spec, setting)
    if spec.kind == "frameworks":
        frame = _read(frameworks_csv)
        if not frame.empty:
            frame = frame[(frame["metric"] == spec.analysis) & (frame["k"] == setting["k"])]
        drawn = plots.frameworks(frame, title, spec.analysis.replace("_", " "), note, look) if not frame.empty else None
    elif setting["dataset"] is None and spec.dataset is not None:
        frame, drawn = pd.DataFrame(columns=COLUMNS), None
    else:
        correlations = _read(correlations_csv)
        replicates = {
            (row["model"], row["alignment"], row["key"]): row["replicates"]
            for _, row in iter_jsonl(replicates_jsonl, allow_empty=True)
        }
        frame = figure_data(spec, setting, correlations, replicates) if not correlations.empty else pd.DataFrame()
        note += _evidence_note(frame)
        if frame.empty:
            drawn = None
        elif spec.kind == "by_family":
            drawn = plots.by_family(frame, title, _ylabel(spec.analysis), note, look)
        else:
            drawn = plots.k_pairs(frame, title, note, look)
    if drawn is None:
        drawn = plots.message(title, _missing(spec, setting), look)
    write_csv(out_csv, frame)
    drawn.savefig(out_png, dpi=look.dpi)
    drawn.savefig(out_pdf, metadata={"CreationDate": None})  # no timestamp: a rerun writes the same bytes
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


def _evidence_note(frame: pd.DataFrame) -> str:
    """What the bar markers and the evidence threshold mean, when the rows carry them."""
    parts = []
    if "ceiling" in frame.columns and frame["ceiling"].notna().any():
        parts.append("bar marks: noise ceiling (split-half reliabilities)")
    if "min_evidence" in frame.columns and frame["min_evidence"].notna().any():
        parts.append(f"values with fewer than {int(frame['min_evidence'].max())} games or responses excluded")
    return "".join(f"; {part}" for part in parts)


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
