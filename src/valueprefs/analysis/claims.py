"""The paper's claims, tested: one line per claim and group of runs (the study's models, and the
calibration controls apart), with the statistic that tests it in this run, its estimate and 95%
interval, and a verdict: ``supported`` (the interval lies on the claimed side of the null or
within the claimed bound), ``contradicted`` (on the other side, or outside the bound),
``undecided`` (it straddles, or the statistic could not be estimated), or ``untestable`` (the
config lacks what the claim compares; ``needs`` names the key to set).

Statistics pool rows over runs (and settings) by their mean; rows on the same items are
averaged replicate by replicate, others through their variances (``comparisons.pooled``).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valueprefs.analysis.comparisons import (
    ARMS,
    BOUNDS,
    Arm,
    control_models,
    dataset_pairs,
    difference,
    family_differences,
    pooled,
    replicate_variance,
    replicates_by_row,
)
from valueprefs.metrics import DIVERSITY_COLUMN, SPECIFICITY_COLUMNS

WEAK = 0.3  # "weak" correlation: below 0.3 in absolute value (Cohen's small-to-medium boundary)
HEADLINE = "consistency"
CORRELATION = (-1.0, 1.0)  # the bounds of a claim about one statistic, not a difference
SINGLE_STATISTICS = {
    "short_long_weak",
    "long_modes_weak",
    "specificity_negative",
    "diversity_positive",
    "recognition_unrelated",
}
NOT_ESTIMATED = "more items: the statistic could not be estimated (too unreliable, or too few values) in any run"


@dataclass(frozen=True)
class Claim:
    """One claim: its sentence and source, what it says of a statistic (``positive``,
    ``negative`` or ``weak``), and what the config needs to test it."""

    name: str
    sentence: str
    section: str
    expects: str
    statistic: str
    needs: str


CLAIMS = (
    Claim(
        "short_long_weak",
        "Short- and long-form value preferences correlate only weakly.",
        "abstract (1), section 4.1",
        "weak",
        "short vs long headline consistency, mean over runs and k",
        "a dilemma data set with short and long answers",
    ),
    Claim(
        "long_modes_weak",
        "Preferences from two long-form settings (k) correlate only weakly.",
        "abstract (2), section 4.3",
        "weak",
        "between-k headline consistency, mean over runs and k pairs",
        "two or more values in generation.k",
    ),
    Claim(
        "alignment_short_long",
        "Alignment improves short- vs long-form consistency (modestly).",
        "abstract (3), section 4.1",
        "positive",
        "instruct minus base, short vs long headline, mean over families and k",
        "a family with both base and instruct under models",
    ),
    Claim(
        "alignment_temperature",
        "Alignment improves the consistency of temperature samples.",
        "section 4.2",
        "positive",
        "instruct minus base, temperature headline, mean over families, data sets and k",
        "a family with both base and instruct under models, and generation.n_samples >= 2",
    ),
    Claim(
        "alignment_explicit",
        "Alignment makes decisions more stable when the values are revealed.",
        "appendix B.4",
        "positive",
        "instruct minus base, fraction of decisions unchanged (implicit vs explicit)",
        "a family with both base and instruct under models, and generation.explicit_values",
    ),
    Claim(
        "k_large_agree",
        "The larger k settings agree more with each other than with the smallest (k 10 and 20 vs 5).",
        "section 4.3",
        "positive",
        "between-k headline of the two largest k minus each pair with the smallest, mean over runs",
        "three or more values in generation.k (the paper: 5, 10, 20)",
    ),
    Claim(
        "dilemmas_over_questions",
        "Value preferences are more consistent on DailyDilemmas than on OpinionQA.",
        "sections 4.2, 4.3",
        "positive",
        "dilemmas minus questions, temperature and between-k headline, mean over runs",
        "a questions data set (kind: questions) with long answers",
    ),
    Claim(
        "specificity_negative",
        "Argument specificity correlates negatively with preference.",
        "abstract, section 5.1",
        "negative",
        "specificity vs short-form preference (paper's r), mean over runs and k",
        "annotation.specificity",
    ),
    Claim(
        "diversity_positive",
        "Diversity correlates positively with preference (the compression ratio negatively).",
        "abstract, section 5.2",
        "negative",
        "compression ratio vs short-form preference (paper's r), mean over runs and k",
        "long answers on a dilemma data set",
    ),
    Claim(
        "alignment_recognition",
        "Alignment slightly lowers value recognition.",
        "appendix E.2",
        "negative",
        "instruct minus base, recognition micro F1, mean over families",
        "a family with both base and instruct, and a recognition data set",
    ),
    Claim(
        "recognition_unrelated",
        "Value recognition is not substantially correlated with preference.",
        "appendix E.3",
        "weak",
        "per-value recognition F1 vs short-form preference (paper's r), mean over runs",
        "a recognition data set (kind: recognition)",
    ),
)
COLUMNS = ["claim", "runs", "sentence", "section", "statistic", "expects", "estimate", "ci_low", "ci_high",
           "verdict", "parts", "scheme", "needs", "caveat"]  # fmt: skip
# The claims read from short_vs_long rows, whose headline understates value-level consistency for
# a model that chooses by each action's strongest value (``set_rule``).
SHORT_FORM_CLAIMS = ("short_long_weak", "alignment_short_long")


def claims_table(table: pd.DataFrame, replicates: list[dict], kinds: dict[str, str]) -> pd.DataFrame:
    """Every claim for the study's models and, apart, for the calibration controls (runs with
    control checks), where the run has any."""
    drawn = replicates_by_row(replicates)
    if table.empty:
        return pd.DataFrame(columns=COLUMNS)
    controls = control_models(table)
    groups = {"models": table[~table["model"].isin(controls)], "controls": table[table["model"].isin(controls)]}
    rows = []
    for runs, rows_of in groups.items():
        if rows_of.empty:
            continue
        parts = evidence(rows_of, drawn, kinds)
        for claim in CLAIMS:
            compared = parts.get(claim.name, [])
            found = [part for part in compared if np.isfinite(part["estimate"])]
            line = {"claim": claim.name, "runs": runs, "sentence": claim.sentence, "section": claim.section,
                    "statistic": claim.statistic, "expects": _expectation(claim.expects)}  # fmt: skip
            if not compared:
                rows.append({**line, "verdict": "untestable", "parts": 0, "needs": claim.needs})
                continue
            if not found:  # the rows exist, their statistic could not be estimated
                rows.append({**line, "verdict": "undecided", "parts": 0, "needs": NOT_ESTIMATED})
                continue
            summary = pooled(found, CORRELATION if claim.name in SINGLE_STATISTICS else BOUNDS)
            verdict = judge(claim.expects, summary["ci_low"], summary["ci_high"])
            caveat = set_rule_caveat(rows_of) if claim.name in SHORT_FORM_CLAIMS else ""
            rows.append({**line, **{name: summary[name] for name in ("estimate", "ci_low", "ci_high", "scheme")},
                         "verdict": verdict, "parts": len(found), "needs": "", "caveat": caveat})  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def set_rule_caveat(table: pd.DataFrame) -> str:
    """The runs whose short answers follow each action's strongest value (``set_rule``), and
    what that means for a claim on their short-vs-long consistency; empty if there are none."""
    if "set_rule" not in table:
        return ""
    flagged = table[(table["analysis"] == "short_vs_long") & (table["set_rule"] == "strongest")]
    runs = sorted(
        {f"{model}/{alignment}" for model, alignment in zip(flagged["model"], flagged["alignment"], strict=True)}
    )
    if not runs:
        return ""
    return (
        f"{', '.join(runs)} choose by each action's strongest value (set_rule): their short form cannot rank "
        "the values rarely strongest in their set, so their consistency is a lower bound"
    )


def judge(expects: str, low: float, high: float) -> str:
    """A claim's verdict from the 95% interval of its statistic."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "undecided"
    if expects == "weak":
        if -WEAK < low and high < WEAK:
            return "supported"
        return "contradicted" if low >= WEAK or high <= -WEAK else "undecided"
    sign = 1.0 if expects == "positive" else -1.0
    low, high = sorted((sign * low, sign * high))
    return "supported" if low > 0 else "contradicted" if high < 0 else "undecided"


def evidence(table: pd.DataFrame, drawn: dict, kinds: dict[str, str]) -> dict[str, list[dict]]:
    """Per claim, the parts its statistic averages (each as ``comparisons.difference`` gives
    them: an estimate, and replicates or a variance)."""
    rows = {name: table[table["analysis"] == name] for name in table["analysis"].unique()}
    empty = table.iloc[0:0]
    specificity = pd.concat([rows.get(column, empty) for column in SPECIFICITY_COLUMNS])
    return {
        "short_long_weak": _single(rows.get("short_vs_long", empty), HEADLINE, drawn),
        "long_modes_weak": _single(rows.get("between_k", empty), HEADLINE, drawn),
        "alignment_short_long": _aligned(rows.get("short_vs_long", empty), HEADLINE, drawn),
        "alignment_temperature": _aligned(rows.get("temperature", empty), HEADLINE, drawn),
        "alignment_explicit": _aligned(rows.get("implicit_vs_explicit", empty), "r", drawn),
        "k_large_agree": _larger_k(rows.get("between_k", empty), drawn),
        "dilemmas_over_questions": _across_datasets(table, drawn, kinds),
        "specificity_negative": _single(_on_dilemmas(specificity, kinds), "r", drawn),
        "diversity_positive": _single(_on_dilemmas(rows.get(DIVERSITY_COLUMN, empty), kinds), "r", drawn),
        "alignment_recognition": _aligned(rows.get("recognition_overall_f1", empty), "r", drawn),
        "recognition_unrelated": _single(rows.get("recognition_f1", empty), "r", drawn),
    }


def _on_dilemmas(rows: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    return rows[rows["dataset"].map(kinds).eq("dilemmas")]


def _single(rows: pd.DataFrame, statistic: str, drawn: dict) -> list[dict]:
    """Each row's statistic as a part, with its own replicates while every row is on the same
    items (averaged replicate by replicate), else with its variance only."""
    arms = [Arm(row, statistic, drawn) for _, row in rows.iterrows()]
    same_items = len({arm.items for arm in arms}) == 1
    return [
        {"estimate": arm.point, "_draws": arm.replicates if same_items else None,
         "_variance": replicate_variance(arm.replicates)}
        for arm in arms
    ]  # fmt: skip


def _aligned(rows: pd.DataFrame, statistic: str, drawn: dict) -> list[dict]:
    """Instruct minus base for every family and row key both alignments have."""
    return [
        result
        for _, found in rows[rows["alignment"].isin(ARMS)].groupby("key", sort=True)
        for _, result in family_differences(found, statistic, drawn)
    ]


def _larger_k(rows: pd.DataFrame, drawn: dict) -> list[dict]:
    """Per run and data set with three or more k: the two largest k's consistency minus each
    pair with the smallest k."""
    parts = []
    for _, found in rows.groupby(["model", "alignment", "dataset"], sort=True):
        ks = sorted({int(k) for k in found["k"]} | {int(k) for k in found["k2"]})
        if len(ks) < 3:
            continue
        pairs = {(int(row["k"]), int(row["k2"])): row for _, row in found.iterrows()}
        top = pairs.get((ks[-2], ks[-1]))
        for pair in ((ks[0], ks[-2]), (ks[0], ks[-1])):
            if top is not None and pair in pairs:
                parts.append(difference(Arm(top, HEADLINE, drawn), Arm(pairs[pair], HEADLINE, drawn)))
    return parts


def _across_datasets(table: pd.DataFrame, drawn: dict, kinds: dict[str, str]) -> list[dict]:
    """Per run, each dilemma data set's temperature and between-k headline minus a questions
    data set's at the same setting."""
    return [
        difference(Arm(first, HEADLINE, drawn), Arm(second, HEADLINE, drawn))
        for first, second in dataset_pairs(table, kinds)
    ]


def _expectation(expects: str) -> str:
    return {"weak": f"|x| < {WEAK}", "positive": "x > 0", "negative": "x < 0"}[expects]
