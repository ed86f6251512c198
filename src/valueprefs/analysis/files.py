"""The analysis rules' file-level entry points: one model run, then all runs together."""

import json
import logging

import pandas as pd

from valueprefs.analysis.inputs import load_run_inputs
from valueprefs.analysis.run import Settings, analyze_run
from valueprefs.io import atomic_write_text, iter_jsonl, read_csv, write_csv

log = logging.getLogger("valueprefs.analysis")

FRAMEWORKS = {"virtues": "Virtue", "emotions": "Emotion"}
FRAMEWORK_METRICS = ("specificity_path", "specificity_attribute", "compression_ratio")


def analysis_settings(section: dict, generation: dict, annotation: dict) -> Settings:
    """Settings from the config's ``analysis``, ``generation`` and ``annotation`` sections."""
    return Settings(
        bootstrap=section["bootstrap"],
        seed=section["seed"],
        preference_sample=section["preference_sample"],
        temperature_samples=list(range(1, generation["n_samples"] + 1)),
        reference_dataset=section["reference_dataset"],
        compression_replicates=section["compression_replicates"],
        specificity=list(annotation["specificity"]),
        estimator=section["estimator"],
        reliability_splits=section["reliability_splits"],
        min_evidence=section["min_evidence"],
    )


def write_run_analysis(
    model: str,
    alignment: str,
    vocabulary_csv: str,
    items: dict[str, str],
    kinds: dict[str, str],
    responses: dict[str, dict[str, str]],
    arguments: dict[str, dict[str, tuple[str, str]]],
    recognition: dict[str, str],
    settings: Settings,
    out_correlations: str,
    out_replicates: str,
    out_attributes: str,
) -> pd.DataFrame:
    """Every correlation of one model run, its bootstrap replicates, and per-value attributes."""
    inputs = load_run_inputs(
        vocabulary_csv, items, kinds, responses, arguments, recognition, settings.preference_sample
    )
    correlations, replicates, attributes = analyze_run(inputs, settings)
    run = {"model": model, "alignment": alignment}
    write_csv(out_correlations, correlations.assign(**run))
    lines = [json.dumps({**run, **row}) for row in replicates]
    atomic_write_text(out_replicates, "".join(line + "\n" for line in lines))
    write_csv(out_attributes, attributes.assign(**run))
    log.info("%s/%s: %d correlations", model, alignment, len(correlations))
    return correlations


def framework_view(attributes: pd.DataFrame, vocabulary: pd.DataFrame) -> pd.DataFrame:
    """Attributes averaged over the values of each virtue and emotion category (appendix D)."""
    frames = []
    for framework, column in FRAMEWORKS.items():
        if column not in vocabulary:
            continue
        categories = vocabulary[["value", column]].dropna().rename(columns={column: "category"})
        joined = attributes.merge(categories, on="value")
        metrics = [m for m in FRAMEWORK_METRICS if m in joined]
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


def collect_analyses(
    correlations: list[str],
    replicates: list[str],
    attributes: list[str],
    vocabulary_csv: str,
    out_correlations: str,
    out_replicates: str,
    out_attributes: str,
    out_frameworks: str,
    out_recognition: str,
) -> pd.DataFrame:
    """All runs' tables in one place, plus the framework views of attributes and recognition."""
    table = pd.concat([pd.read_csv(path) for path in correlations], ignore_index=True)
    write_csv(out_correlations, table)
    write_csv(out_recognition, recognition_view(table))
    lines = [json.dumps(row) for path in replicates for _, row in iter_jsonl(path, allow_empty=True)]
    atomic_write_text(out_replicates, "".join(line + "\n" for line in lines))
    values = pd.concat([_read_optional(path) for path in attributes], ignore_index=True)
    write_csv(out_attributes, values)
    frameworks = framework_view(values, read_csv(vocabulary_csv)) if not values.empty else pd.DataFrame()
    write_csv(out_frameworks, frameworks)
    return table


def _read_optional(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
