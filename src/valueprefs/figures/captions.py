"""Figure captions: what each figure shows and how it was computed (light: the DAG imports it)."""

from valueprefs.figures.registry import FigureSpec

HEADLINE_ANALYSES = ("short_vs_long", "between_k", "temperature")

HOW = {
    "short_vs_long": "Pearson correlation between short-form preferences (TrueSkill mu over the "
    "decisions) and long-form preferences (minus the mean normalized position of a value's first "
    "argument), over the values present in both.",
    "temperature": "Mean Spearman correlation between the long-form preferences of every pair of temperature samples.",
    "between_k": "Pearson correlation between long-form preferences elicited with k1 and with k2 arguments.",
    "implicit_vs_explicit": "Fraction of dilemmas whose decision stays the same when the values of "
    "both actions are revealed in the prompt (dilemmas parsed in both).",
    "specificity_path": "Pearson correlation between each value's mean path-based specificity "
    "(judge, 1-5) and its short-form preference.",
    "compression_ratio": "Pearson correlation between the gzip compression ratio of each value's "
    "arguments (higher = less diverse) and its short-form preference.",
    "recognition_overall_f1": "Micro-averaged F1 of the values a model recognizes in each situation "
    "(chosen from the vocabulary it is shown, or named freely) against the gold values; both are "
    "mapped onto the vocabulary the same way (spelling, then the standardization judge where configured). "
    "Per value-framework category: results/analysis/recognition_frameworks.csv.",
    "recognition_f1": "Pearson correlation between each value's recognition F1 and its short-form preference.",
    "recognition_precision": "Pearson correlation between each value's recognition precision and its "
    "short-form preference.",
    "recognition_recall": "Pearson correlation between each value's recognition recall and its short-form preference.",
}
# the consistency figures draw the headline as bars and the paper's statistic (HOW) as dots
HEADLINE = (
    "Bars: value-level consistency, the correlation of the two preference vectors across disjoint "
    "halves of the items (no item in both), net of each value's share of 'to do' appearances and "
    "of how often it appears, corrected for both measures' noise; whiskers and * are its own "
    "(docs/preferences.md: the headline). Bars and dots compare the same values: those in enough games and "
    "answers to dilemmas that annotate them (counts the model does not decide; the paper's statistic "
    "leaves out values never argued). Dots, the paper's statistic: "
)
INTERVAL = (
    "Whiskers: 95% intervals from {resamples} resamples of the items ({how}, every estimate "
    "recomputed; the estimate +- 1.96 replicate sds); * marks p < 0.05; n under each bar: the values correlated; "
    "n/a: too few values in common; no bar: that model and alignment are not in the config."
)
RESAMPLING = {"half": "random halves, the delete-half jackknife", "bootstrap": "bootstrap draws"}


def caption(spec: FigureSpec, setting: dict, intervals: dict) -> str:
    """What the figure shows and how it was computed, with the data set and k actually used;
    ``intervals``: the config's ``analysis`` settings behind the whiskers (bootstrap, resampling)."""
    where = f"Data set: {setting['dataset']}" if setting["dataset"] else "Data sets: all"
    if setting["k"] is not None:
        where += f"; k = {setting['k']} (the paper's k = {setting['paper_k']})"
    elif setting["paper_k"] is not None:
        where += f"; this config has no k for the paper's k = {setting['paper_k']}, so the figure is empty"
    if spec.kind == "frameworks":
        how = (
            f"Mean {spec.analysis.replace('_', ' ')} of the values in each category of Aristotle's "
            "virtues and Plutchik's emotions, per model run (appendix D)."
        )
        return f"Paper figure {spec.number.lstrip('0')}: {spec.title}. {how} {where}."
    interval_note = INTERVAL.format(resamples=intervals["bootstrap"], how=RESAMPLING[intervals["resampling"]])
    how = HOW[spec.analysis]
    if spec.analysis in HEADLINE_ANALYSES:
        how = HEADLINE + how
    return f"Paper figure {spec.number.lstrip('0')}: {spec.title}. {how} {where}. {interval_note}"
