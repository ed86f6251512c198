"""Every figure of the paper, by number: what it plots and from which data.

Figures name the paper's settings: a data set kind (DailyDilemmas = the reference dilemma
data set, OpinionQA = the first questions data set, ValuePrism = the first recognition data
set) and the rank of k among the paper's (5, 10, 20). ``resolve`` maps them onto the
configured data sets and k values; with fewer k values than the paper, a rank past the end
takes the largest configured k. Figure 39's caption in the paper repeats figure 38's
(precision); it is drawn as captioned.
"""

from dataclasses import dataclass

PAPER_K = (5, 10, 20)


@dataclass(frozen=True)
class FigureSpec:
    """One paper figure: plot kind, analysis rows, data set kind, rank of k, title."""

    number: str
    kind: str  # by_family | k_pairs_mean | k_pairs_by_family | frameworks
    analysis: str
    dataset: str | None  # dilemmas | questions | recognition | None (all)
    k_rank: int | None
    title: str


def _by_family(number, analysis, dataset, k_rank, title):
    return FigureSpec(number, "by_family", analysis, dataset, k_rank, title)


FIGURES = [
    _by_family("03a", "short_vs_long", "dilemmas", 0, "Short- vs long-form preferences (Pearson)"),
    _by_family("03b", "short_vs_long", "dilemmas", 1, "Short- vs long-form preferences (Pearson)"),
    _by_family("12", "short_vs_long", "dilemmas", 2, "Short- vs long-form preferences (Pearson)"),
    _by_family("04", "temperature", "dilemmas", 1, "Consistency across temperature samples (mean Spearman)"),
    _by_family("13", "temperature", "dilemmas", 0, "Consistency across temperature samples (mean Spearman)"),
    _by_family("14", "temperature", "dilemmas", 2, "Consistency across temperature samples (mean Spearman)"),
    _by_family("15", "temperature", "questions", 0, "Consistency across temperature samples (mean Spearman)"),
    _by_family("16", "temperature", "questions", 1, "Consistency across temperature samples (mean Spearman)"),
    _by_family("17", "temperature", "questions", 2, "Consistency across temperature samples (mean Spearman)"),
    FigureSpec(
        "05a", "k_pairs_mean", "between_k", "dilemmas", None, "Between numbers of arguments, mean over families"
    ),
    FigureSpec(
        "05b", "k_pairs_mean", "between_k", "questions", None, "Between numbers of arguments, mean over families"
    ),
    FigureSpec("18", "k_pairs_by_family", "between_k", "dilemmas", None, "Between numbers of arguments (Pearson)"),
    FigureSpec("19", "k_pairs_by_family", "between_k", "questions", None, "Between numbers of arguments (Pearson)"),
    _by_family("20", "implicit_vs_explicit", "dilemmas", None, "Same decision with values revealed (fraction)"),
    _by_family("06", "specificity_path", "dilemmas", 1, "Path-based specificity vs preference (Pearson)"),
    _by_family("25", "specificity_path", "dilemmas", 0, "Path-based specificity vs preference (Pearson)"),
    _by_family("26", "specificity_path", "dilemmas", 2, "Path-based specificity vs preference (Pearson)"),
    _by_family("27", "specificity_path", "questions", 0, "Path-based specificity vs preference (Pearson)"),
    _by_family("28", "specificity_path", "questions", 1, "Path-based specificity vs preference (Pearson)"),
    _by_family("29", "specificity_path", "questions", 2, "Path-based specificity vs preference (Pearson)"),
    _by_family("07", "compression_ratio", "dilemmas", 1, "Compression ratio vs preference (Pearson)"),
    _by_family("31", "compression_ratio", "dilemmas", 0, "Compression ratio vs preference (Pearson)"),
    _by_family("32", "compression_ratio", "dilemmas", 2, "Compression ratio vs preference (Pearson)"),
    _by_family("33", "compression_ratio", "questions", 0, "Compression ratio vs preference (Pearson)"),
    _by_family("34", "compression_ratio", "questions", 1, "Compression ratio vs preference (Pearson)"),
    _by_family("35", "compression_ratio", "questions", 2, "Compression ratio vs preference (Pearson)"),
    FigureSpec("24", "frameworks", "specificity_path", None, 1, "Path-based specificity by value framework"),
    FigureSpec("30", "frameworks", "compression_ratio", None, 1, "Compression ratio by value framework"),
    _by_family("36", "recognition_overall_f1", "recognition", None, "Value recognition (micro F1)"),
    _by_family("37", "recognition_f1", "recognition", None, "Value recognition F1 vs preference (Pearson)"),
    _by_family("38", "recognition_precision", "recognition", None, "Recognition precision vs preference (Pearson)"),
    _by_family("39", "recognition_precision", "recognition", None, "Recognition precision vs preference (Pearson)"),
    _by_family("40", "recognition_recall", "recognition", None, "Recognition recall vs preference (Pearson)"),
]
BY_NUMBER = {figure.number: figure for figure in FIGURES}


def resolve(figure: FigureSpec, kinds: dict[str, str], ks: list[int], reference: str | None) -> dict:
    """The configured data set(s) and k a figure shows (None: the config has no k of that rank),
    the paper's k it stands for, and the config's k values in order.

    ``kinds`` maps data set name -> kind; ``reference`` is the reference dilemma data set.
    """
    dilemmas = reference or next((name for name, kind in kinds.items() if kind == "dilemmas"), None)
    first = {kind: next((name for name, k in kinds.items() if k == kind), None) for kind in set(kinds.values())}
    chosen = dilemmas if figure.dataset == "dilemmas" else first.get(figure.dataset)
    ordered = sorted(ks)
    k = ordered[figure.k_rank] if figure.k_rank is not None and figure.k_rank < len(ordered) else None
    paper_k = PAPER_K[figure.k_rank] if figure.k_rank is not None else None
    return {"dataset": chosen, "k": k, "paper_k": paper_k, "ks": ordered}


def lacks_k(figure: FigureSpec, setting: dict) -> bool:
    """Whether a figure is for a k the config does not have (its k's are matched to the paper's
    5, 10, 20 in order: with two, the paper's k = 20 has none; a figure never repeats another)."""
    return figure.k_rank is not None and setting["k"] is None


def unrated(spec: FigureSpec, specificity_prompts: list[str]) -> str | None:
    """Why a figure of path-based specificity has nothing to show under this config (None: it has)."""
    if spec.analysis != "specificity_path" or "path" in specificity_prompts:
        return None
    return (
        "This config does not rate path-based specificity: add path to annotation.specificity and "
        '"specificity" to the steps of an LLM judge in judges (the offline judge cannot rate it).'
    )
