"""Agreement between judges that labelled the same arguments.

Specificity levels: Krippendorff's alpha (ordinal). Value sets: mean Jaccard index and
micro-averaged F1 of one judge's values against the other's. Each statistic has a 95% interval
from resampling whole responses (the arguments of one answer are not independent).
"""

from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd

from valueprefs.io import iter_jsonl

KEY = ["source", "item_id", "sample", "position"]


def jaccard(a: set, b: set) -> float:
    """|a & b| / |a | b|; two empty sets agree fully."""
    return len(a & b) / len(a | b) if a | b else 1.0


def value_agreement(first: pd.Series, second: pd.Series) -> dict:
    """Mean Jaccard and micro F1 between two aligned series of value lists."""
    pairs = [(set(a), set(b)) for a, b in zip(first, second, strict=True)]
    overlap = sum(len(a & b) for a, b in pairs)
    sizes = sum(len(a) + len(b) for a, b in pairs)
    return {
        "n": len(pairs),
        "jaccard": float(np.mean([jaccard(a, b) for a, b in pairs])) if pairs else float("nan"),
        "f1": 2 * overlap / sizes if sizes else float("nan"),
    }


def level_agreement(first: pd.Series, second: pd.Series) -> dict:
    """Krippendorff's alpha (ordinal) between two aligned series of 1-5 levels (None = missing)."""
    data = np.array([first.to_numpy(dtype=float), second.to_numpy(dtype=float)])
    usable = ~np.isnan(data).any(axis=0)
    alpha = float("nan")
    if usable.sum() >= 2 and len(np.unique(data[:, usable])) > 1:
        alpha = float(
            krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5])
        )
    return {"n": int(usable.sum()), "krippendorff_alpha": alpha}


def agreement_table(label_files: list[str]) -> pd.DataFrame:
    """Agreement per step and judge pair over the audit records of many response files. Files
    are read one record at a time, keeping only what agreement compares (not the judges' raw
    answers, most of a labels file: at the paper's shape reading them whole took 2.3 GB).
    Of the arguments step, only the audit judge's records count (``same``: whether its
    extraction found the arguments structure found)."""
    fields = ["judge", "step", "item_id", "sample", "position", "value", "same"]
    rows = [
        (str(path), *(record.get(field) for field in fields))
        for path in label_files
        for _, record in iter_jsonl(path, allow_empty=True)
        if record["step"] != "arguments" or "same" in record
    ]
    return judge_agreement(pd.DataFrame(rows, columns=["source", *fields]))


STATISTICS = ("exact_match", "jaccard", "f1", "krippendorff_alpha")
RESAMPLES = 200


def judge_agreement(labels: pd.DataFrame, resamples: int = RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """One row per (step, judge pair), each statistic with its 95% interval (``*_low``,
    ``*_high``) from ``resamples`` draws of whole responses; ``labels`` are audit records with a
    ``source`` column."""
    rows = []
    for step, records in labels.groupby("step") if not labels.empty else []:
        if step == "arguments":
            rows += _boundary_rows(records, resamples, seed)
            continue
        by_judge = {judge: frame.set_index(KEY)["value"] for judge, frame in records.groupby("judge")}
        for first, second in combinations(sorted(by_judge), 2):
            joined = pd.concat([by_judge[first], by_judge[second]], axis=1, join="inner", keys=["a", "b"])
            if step == "values":
                joined = joined.map(lambda v: v if isinstance(v, list) else [])
            scores = _agreement(step, joined)
            rows.append({"step": step, "judge_a": first, "judge_b": second, **scores})
            rows[-1] |= _intervals(step, joined, scores, resamples, seed)
    columns = ["step", "judge_a", "judge_b", "n"]
    columns += [f"{name}{part}" for name in STATISTICS for part in ("", "_low", "_high")]
    return pd.DataFrame(rows, columns=columns)


def _boundary_rows(records: pd.DataFrame, resamples: int, seed: int) -> list[dict]:
    """Per audit judge: the share of audited answers it split into the arguments structure found."""
    rows = []
    if "same" not in records:
        return rows
    for judge, frame in records.dropna(subset=["same"]).groupby("judge"):
        joined = frame.set_index(KEY)[["same"]].rename(columns={"same": "a"})
        scores = _agreement("arguments", joined)
        rows.append({"step": "arguments", "judge_a": "structure", "judge_b": judge, **scores})
        rows[-1] |= _intervals("arguments", joined, scores, resamples, seed)
    return rows


def _agreement(step: str, joined: pd.DataFrame) -> dict:
    if step == "arguments":  # one row per answer: whether both readings found the same arguments
        return {"n": len(joined), "exact_match": float(joined["a"].astype(float).mean()) if len(joined) else np.nan}
    if step == "values":
        return value_agreement(joined["a"], joined["b"])
    return level_agreement(joined["a"], joined["b"])


def _intervals(step: str, joined: pd.DataFrame, scores: dict, resamples: int, seed: int) -> dict:
    """Percentile 95% intervals of the statistics in ``scores`` over draws of whole responses
    (all arguments of a drawn answer, as often as it is drawn)."""
    responses = joined.index.droplevel("position")
    codes, _ = pd.factorize(responses)
    members = [np.flatnonzero(codes == code) for code in range(codes.max() + 1)] if len(codes) else []
    names = [name for name in STATISTICS if name in scores]
    draws: dict[str, list[float]] = {name: [] for name in names}
    rng = np.random.default_rng(seed)
    for _ in range(resamples if len(members) > 1 else 0):
        rows = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        drawn = _agreement(step, joined.iloc[rows])
        for name in names:
            draws[name].append(drawn[name])
    found = {}
    for name in names:
        values = np.array(draws[name], dtype=float)
        values = values[np.isfinite(values)]
        low, high = np.percentile(values, [2.5, 97.5]) if values.size else (np.nan, np.nan)
        found |= {f"{name}_low": float(low), f"{name}_high": float(high)}
    return found
