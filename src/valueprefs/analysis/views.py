"""Views over all runs' tables: attributes averaged per value-framework category (appendix D),
and recognition micro F1 overall and per category (appendix E)."""

import pandas as pd

from valueprefs.metrics import ATTRIBUTE_COLUMNS

FRAMEWORKS = {"virtues": "Virtue", "emotions": "Emotion"}


def framework_view(attributes: pd.DataFrame, vocabulary: pd.DataFrame) -> pd.DataFrame:
    """Attributes averaged over the values of each virtue and emotion category (appendix D)."""
    frames = []
    for framework, column in FRAMEWORKS.items():
        if column not in vocabulary:
            continue
        categories = vocabulary[["value", column]].dropna().rename(columns={column: "category"})
        joined = attributes.merge(categories, on="value")
        metrics = [m for m in ATTRIBUTE_COLUMNS if m in joined]
        if joined.empty or not metrics:
            continue
        long = joined.melt(
            id_vars=["model", "alignment", "dataset", "k", "category"],
            value_vars=metrics,
            var_name="metric",
            value_name="level",
        )
        grouped = long.dropna(subset=["level"]).groupby(["model", "alignment", "dataset", "k", "metric", "category"])
        frame = grouped["level"].agg(score="mean", values="count").reset_index()
        frames.append(frame.assign(framework=framework))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def recognition_view(correlations: pd.DataFrame) -> pd.DataFrame:
    """Recognition micro F1 per run, overall and per framework category."""
    columns = ["model", "alignment", "dataset", "framework", "category", "r", "ci_low", "ci_high", "n", "gold_pairs"]
    rows = correlations[correlations["analysis"].isin(["recognition_overall_f1", "recognition_category_f1"])]
    rows = rows.reindex(columns=columns).rename(columns={"r": "micro_f1", "n": "situations"})
    rows["framework"] = rows["framework"].fillna("(all values)")
    rows["gold_pairs"] = rows["gold_pairs"].astype("Int64")
    return rows.sort_values(["dataset", "model", "alignment", "framework", "category"], na_position="first")


CONTROL_EXPECTATIONS = {
    "control_recovery": "preferences follow the planted latent: r above 0 and not beyond the ceiling",
    "control_consistency": "short vs long r covers recovery(short) x planted x recovery(long)",
    "control_order_swap": "decisions kept when the order is swapped: 1 - position_bias",
    "control_explicit": "decisions kept when the values are revealed: 1 - explicit_shift",
}
CONTROL_COLUMNS = [
    "model", "alignment", "dataset", "check", "task", "k", "r", "ci_low", "ci_high", "expected", "ceiling",
    "planted", "planted_observed", "consistency", "consistency_low", "consistency_high", "consistency_covers_planted",
    "passed", "should",
]  # fmt: skip


def control_view(correlations: pd.DataFrame) -> pd.DataFrame:
    """The checks of every calibration control: what each should show and whether it did."""
    if "analysis" not in correlations:
        return pd.DataFrame(columns=CONTROL_COLUMNS)
    rows = correlations[correlations["analysis"].isin(list(CONTROL_EXPECTATIONS))]
    rows = rows.assign(check=rows["analysis"], should=rows["analysis"].map(CONTROL_EXPECTATIONS))
    return rows.reindex(columns=CONTROL_COLUMNS).reset_index(drop=True)
