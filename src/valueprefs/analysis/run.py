"""Every analysis of one model run (model x alignment): consistency and attribute correlations.

Inputs are the normalized data sets, the parsed short-form decisions and the annotated
arguments; outputs are rows of a correlation table (with p, n and bootstrap intervals), the
bootstrap replicate values behind each row, and a per-value attribute table.
"""

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from valueprefs.analysis.attributes import ArgumentValues
from valueprefs.analysis.recognition import Recognition
from valueprefs.analysis.reliability import disattenuate, split_half_reliability, split_weights
from valueprefs.analysis.stats import (
    correlate,
    interval,
    item_weights,
    nanmean,
    p_value,
    pairwise_spearman,
    replicate_orders,
)
from valueprefs.data.tables import ID_FIELD
from valueprefs.preferences import GameTable, decision_games, dilemma_sides, long_form_scores, play, position_matrix
from valueprefs.preferences.logistic import logistic_preferences

ATTRIBUTE_METRICS = ("specificity_path", "specificity_attribute", "compression_ratio")


@dataclass
class RunInputs:
    """What one model run produced, keyed by data set (and task or k)."""

    values: list[str]
    items: dict[str, list[dict]]  # data set -> items in data-set order
    kinds: dict[str, str]  # data set -> dilemmas | questions
    decisions: dict[str, dict[str, list[dict]]] = field(default_factory=dict)  # data set -> task -> rows
    arguments: dict[str, dict[int, pd.DataFrame]] = field(default_factory=dict)  # data set -> k -> arguments
    positions: dict[str, dict[int, tuple]] = field(default_factory=dict)  # data set -> k -> (keys, matrix)
    recognized: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # recognition set -> id -> values
    dropped_names: dict[str, int] = field(default_factory=dict)  # recognition set -> names matching no value
    frameworks: dict[str, dict[str, str]] = field(default_factory=dict)  # framework -> value -> category


@dataclass
class Settings:
    """Analysis settings (the ``analysis`` config section)."""

    bootstrap: int = 200
    seed: int = 0
    preference_sample: int = 0
    temperature_samples: list[int] = field(default_factory=list)
    reference_dataset: str | None = None
    compression_replicates: int = 0
    specificity: list[str] = field(default_factory=lambda: ["path", "attribute"])
    estimator: str = "trueskill"  # short form: trueskill (the paper's) or logistic (batch Bradley-Terry)
    reliability_splits: int = 20
    min_evidence: int = 1  # games (short) or responses (long) a value needs to enter a correlation


class RunAnalysis:
    """Computes and collects the rows; bootstrap draws are shared per data set."""

    def __init__(self, inputs: RunInputs, settings: Settings):
        self.inputs = inputs
        self.settings = settings
        self.index = {value: i for i, value in enumerate(inputs.values)}
        self.rows: list[dict] = []
        self.replicates: list[dict] = []
        self._weights: dict[str, np.ndarray] = {}
        self._short: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._long: dict[tuple[str, int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._positions: dict[tuple[str, int], tuple[list[tuple], np.ndarray]] = {}
        self._reliability: dict[tuple, dict] = {}
        self._excluded: dict[tuple, int] = {}  # values seen, but below min_evidence
        self._games: dict[tuple[str, str], tuple[list, list[int]]] = {}

    def weights(self, dataset: str) -> np.ndarray:
        if dataset not in self._weights:
            n = len(self.inputs.items[dataset])
            self._weights[dataset] = item_weights(n, self.settings.bootstrap, self.settings.seed, dataset)
        return self._weights[dataset]

    def item_positions(self, dataset: str) -> dict[str, int]:
        key = ID_FIELD[self.inputs.kinds[dataset]]
        return {item[key]: i for i, item in enumerate(self.inputs.items[dataset])}

    def sample_arguments(self, dataset: str, k: int, sample: int) -> pd.DataFrame:
        frame = pd.DataFrame(self.inputs.arguments[dataset][k])
        return frame[frame["sample"] == sample] if len(frame) else frame

    # --- preferences -------------------------------------------------------------------
    def short_preferences(self, dataset: str, task: str = "short") -> tuple[np.ndarray, np.ndarray]:
        """Short-form mu of the preference sample and its bootstrap replicates (NaN: no game)."""
        if (dataset, task) not in self._short:
            self._short[dataset, task] = self._short_preferences(dataset, task)
        return self._short[dataset, task]

    def _short_preferences(self, dataset: str, task: str) -> tuple[np.ndarray, np.ndarray]:
        point, evidence = self.short_under(dataset, task, np.ones((1, len(self.inputs.items[dataset]))))
        self._excluded["short", dataset, task] = self.too_little(evidence[0])
        weights = self.weights(dataset)
        if not len(weights):
            return point[0], np.empty((0, len(self.index)))
        return point[0], self.short_under(dataset, task, weights)[0]

    def too_little(self, evidence: np.ndarray) -> int:
        """How many values were seen, but in fewer games or responses than ``min_evidence``."""
        return int(((evidence > 0) & (evidence < self.settings.min_evidence)).sum())

    def short_games(self, dataset: str, task: str) -> tuple[list, list[int]]:
        """The preference sample's games (parsed once) and the item position of each."""
        if (dataset, task) not in self._games:
            rows = self.inputs.decisions[dataset][task]
            sample = self.settings.preference_sample
            decisions = {r["item_id"]: r.get("decision") for r in rows if r["sample"] == sample}
            sides = dilemma_sides(self.inputs.items[dataset], self.index)
            self._games[dataset, task] = decision_games(sides, decisions)[:2]
        return self._games[dataset, task]

    def short_under(self, dataset: str, task: str, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Short-form preferences (rows x values; NaN: fewer games than ``min_evidence``) with
        item i counted ``weights[row, i]`` times, by the configured estimator; and the games."""
        games, positions = self.short_games(dataset, task)
        if self.settings.estimator == "logistic":
            pairs = list(zip(games, positions, strict=True))
            drawn = [[game for game, item in pairs for _ in range(int(row[item]))] for row in weights]
            fits = [logistic_preferences(chosen, len(self.index)) for chosen in drawn]
            mu, played = np.array([fit[0] for fit in fits]), np.array([fit[2] for fit in fits])
        else:
            table = GameTable.from_games(games, len(self.index))
            mu, _, played = play(table, replicate_orders(weights, positions))
        return np.where(played >= max(self.settings.min_evidence, 1), mu, np.nan), played

    def long_preferences(self, dataset: str, k: int, sample: int) -> tuple[np.ndarray, np.ndarray]:
        """Long-form preferences of one sample and their bootstrap replicates."""
        if (dataset, k, sample) not in self._long:
            point, evidence = self.long_under(dataset, k, sample, np.ones((1, len(self.inputs.items[dataset]))))
            self._excluded["long", dataset, k, sample] = self.too_little(evidence[0])
            weights = self.weights(dataset)
            empty = np.empty((0, point.shape[1]))
            replicates = self.long_under(dataset, k, sample, weights)[0] if len(weights) else empty
            self._long[dataset, k, sample] = point[0], replicates
        return self._long[dataset, k, sample]

    def long_under(self, dataset: str, k: int, sample: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Long-form preferences of one sample (rows x values; NaN: fewer responses than
        ``min_evidence``) with item i counted ``weights[row, i]`` times; and the responses."""
        if (dataset, k) not in self._positions:
            saved = self.inputs.positions.get(dataset, {}).get(k)
            self._positions[dataset, k] = saved or position_matrix(self.inputs.arguments[dataset][k], self.index)
        keys, matrix = self._positions[dataset, k]
        chosen = [row for row, (_, response_sample) in enumerate(keys) if response_sample == sample]
        positions = self.item_positions(dataset)
        items = np.array([positions.get(keys[row][0], -1) for row in chosen], dtype=np.int64)
        response_weights = np.where(items >= 0, weights[:, np.where(items >= 0, items, 0)], 0.0)
        preference, counts = long_form_scores(matrix[chosen], response_weights)
        return np.where(counts >= self.settings.min_evidence, preference, np.nan), counts

    # --- reliability -------------------------------------------------------------------
    def reliability(self, dataset: str, under) -> dict:
        """Split-half (Spearman-Brown) reliability of the preferences ``under(weights)`` gives."""
        splits = self.settings.reliability_splits
        first, second = split_weights(len(self.inputs.items[dataset]), splits, self.settings.seed, dataset)
        if not splits:
            return {"reliability": float("nan"), "half_r": float("nan"), "splits": 0, "n": 0}
        return split_half_reliability(under(first), under(second))

    def short_reliability(self, dataset: str, task: str = "short") -> dict:
        if (dataset, task) not in self._reliability:
            found = self.reliability(dataset, lambda weights: self.short_under(dataset, task, weights)[0])
            self._reliability[dataset, task] = found
            self.add_reliability(dataset, found, task=task)
        return self._reliability[dataset, task]

    def long_reliability(self, dataset: str, k: int) -> dict:
        sample = self.settings.preference_sample
        if (dataset, k) not in self._reliability:
            found = self.reliability(dataset, lambda weights: self.long_under(dataset, k, sample, weights)[0])
            self._reliability[dataset, k] = found
            self.add_reliability(dataset, found, task=f"long_k{k}", k=k)
        return self._reliability[dataset, k]

    def add_reliability(self, dataset: str, found: dict, **where) -> None:
        stats = {"r": found["reliability"], "p": float("nan"), "n": found["n"], "ci_low": float("nan")}
        stats.update(ci_high=float("nan"), half_r=found["half_r"], splits=found["splits"])
        self.add("reliability", dataset, stats, np.array([]), method="split_half", **where)

    def evidence(self, first: tuple, second: tuple) -> dict:
        """How many values each side lost to the minimum-evidence threshold."""
        return {"excluded_x": self._excluded[first], "excluded_y": self._excluded[second]}

    def corrected(self, stats: dict, replicates: np.ndarray, first: dict, second: dict) -> dict:
        """``stats`` with both reliabilities and the disattenuated correlation beside it."""
        reliabilities = {"reliability_x": first["reliability"], "reliability_y": second["reliability"]}
        return {**stats, **reliabilities, **disattenuate(stats["r"], replicates, *reliabilities.values())}

    # --- rows --------------------------------------------------------------------------
    def add(self, analysis: str, dataset: str, stats: dict, replicates: np.ndarray, **where) -> None:
        key = "/".join(str(part) for part in (analysis, dataset, *where.values()))
        row = {"key": key, "analysis": analysis, "dataset": dataset, "k": None, "k2": None, "method": "pearson"}
        row["min_evidence"] = self.settings.min_evidence
        self.rows.append({**row, **where, **stats})
        self.replicates.append({"key": key, "replicates": [float(x) for x in replicates]})

    def short_vs_long(self, reference: str) -> None:
        short, short_reps = self.short_preferences(reference)
        sample = self.settings.preference_sample
        for k in sorted(self.inputs.arguments.get(reference, {})):
            long, long_reps = self.long_preferences(reference, k, sample)
            stats, reps = correlate(short, long, short_reps, long_reps)
            stats = self.corrected(stats, reps, self.short_reliability(reference), self.long_reliability(reference, k))
            stats |= self.evidence(("short", reference, "short"), ("long", reference, k, sample))
            self.add("short_vs_long", reference, stats, reps, k=k)

    def temperature(self, dataset: str) -> None:
        """Mean Spearman over all pairs of temperature samples (p: the largest pair p-value)."""
        for k in sorted(self.inputs.arguments.get(dataset, {})):
            prefs = [self.long_preferences(dataset, k, s) for s in self.settings.temperature_samples]
            if len(prefs) < 2:
                continue
            r, n = pairwise_spearman([np.vstack([point[None, :], reps]) for point, reps in prefs])
            p_values = [p_value(pair_r, pair_n) for pair_r, pair_n in zip(r[:, 0], n[:, 0], strict=True)]
            p_values = [p for p in p_values if np.isfinite(p)]
            replicates = nanmean(r[:, 1:], axis=0)
            low, high = interval(replicates)
            stats = {
                "r": float(nanmean(r[:, 0])),
                "p": max(p_values) if p_values else float("nan"),
                "n": int(np.median(n[:, 0])),
                "ci_low": low,
                "ci_high": high,
                "pairs": len(r),
            }
            self.add("temperature", dataset, stats, replicates, k=k, method="spearman")

    def between_k(self, dataset: str) -> None:
        ks = sorted(self.inputs.arguments.get(dataset, {}))
        prefs = {k: self.long_preferences(dataset, k, self.settings.preference_sample) for k in ks}
        for k1, k2 in combinations(ks, 2):
            stats, reps = correlate(prefs[k1][0], prefs[k2][0], prefs[k1][1], prefs[k2][1])
            stats = self.corrected(stats, reps, self.long_reliability(dataset, k1), self.long_reliability(dataset, k2))
            sample = self.settings.preference_sample
            stats |= self.evidence(("long", dataset, k1, sample), ("long", dataset, k2, sample))
            self.add("between_k", dataset, stats, reps, k=k1, k2=k2)

    def same_decision(self, dataset: str, task: str, analysis: str) -> None:
        """Fraction of dilemmas decided the same way in ``short`` and in ``task`` (both parsed)."""
        sample = self.settings.preference_sample
        by_task = {
            name: {
                r["item_id"]: r.get("decision") for r in self.inputs.decisions[dataset][name] if r["sample"] == sample
            }
            for name in ("short", task)
        }
        positions = self.item_positions(dataset)
        decided = [
            (positions[item], by_task["short"][item] == by_task[task].get(item))
            for item in by_task["short"]
            if item in positions and {by_task["short"][item], by_task[task].get(item)} <= {"to_do", "not_to_do"}
        ]
        same = np.array([flag for _, flag in decided], dtype=float)
        where = np.array([position for position, _ in decided], dtype=np.int64)
        weights = self.weights(dataset)[:, where] if len(decided) else np.empty((0, 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            replicates = (weights @ same) / weights.sum(axis=1) if len(decided) else np.array([])
        low, high = interval(replicates)
        fraction = float(same.mean()) if len(same) else float("nan")
        stats = {"r": fraction, "p": float("nan"), "n": len(same), "ci_low": low, "ci_high": high}
        self.add(analysis, dataset, stats, replicates, method="fraction")

    def attributes(self, dataset: str, reference: str) -> list[pd.DataFrame]:
        """Per-value attributes of every k, and their correlations with short-form preferences."""
        short, short_reps = self.short_preferences(reference)
        tables = []
        for k in sorted(self.inputs.arguments.get(dataset, {})):
            rows = self.sample_arguments(dataset, k, self.settings.preference_sample)
            arguments = ArgumentValues(rows, self.index, self.item_positions(dataset))
            weights = self.weights(dataset)
            metrics = {
                f"specificity_{kind}": (arguments.mean_specificity(kind)[0], arguments.mean_specificity(kind, weights))
                for kind in self.settings.specificity
            }
            ratios = arguments.compression()[0]
            extra = self.settings.compression_replicates
            ratio_reps = arguments.compression(weights[:extra]) if extra else np.tile(ratios, (len(weights), 1))
            metrics["compression_ratio"] = (ratios, ratio_reps)
            table = pd.DataFrame(
                {"dataset": dataset, "k": k, "value": self.inputs.values, "arguments": arguments.counts()}
            )
            for name, (point, reps) in metrics.items():
                table[name] = point
                n = len(reps)
                stats, replicates = correlate(point, short, reps, short_reps[:n])
                self.add(name, dataset, {**stats, "reference": reference}, replicates, k=k)
            table["preference"] = short
            tables.append(table)
        return tables

    def recognition(self, dataset: str, reference: str | None) -> None:
        """Micro F1 of the recognized values (overall and per framework category), and per-value
        scores vs short-form preferences."""
        gold = {item["situation_id"]: item["values"] for item in self.inputs.items[dataset]}
        scores = Recognition(gold, self.inputs.recognized[dataset], self.inputs.values)
        weights = self.weights(dataset)
        micro = scores.micro_f1(weights) if len(weights) else np.array([])
        low, high = interval(micro)
        overall = {"r": float(scores.micro_f1()[0]), "p": float("nan"), "n": len(gold), "ci_low": low, "ci_high": high}
        dropped = {"unmatched_names": self.inputs.dropped_names.get(dataset, 0)}
        self.add("recognition_overall_f1", dataset, {**overall, **dropped}, micro, method="micro_f1")
        for framework, categories in sorted(self.inputs.frameworks.items()):
            for category in sorted(set(categories.values())):
                columns = np.array([categories.get(value) == category for value in self.inputs.values])
                reps = scores.micro_f1(weights, columns) if len(weights) else np.array([])
                low, high = interval(reps)
                stats = {"r": float(scores.micro_f1(columns=columns)[0]), "p": float("nan"), "n": len(gold)}
                stats |= {"ci_low": low, "ci_high": high, "gold_pairs": scores.gold_count(columns)}
                where = {"framework": framework, "category": category}
                self.add("recognition_category_f1", dataset, stats, reps, method="micro_f1", **where)
        if reference is None:
            return
        short, short_reps = self.short_preferences(reference)
        point, replicates = scores.per_value(), scores.per_value(weights) if len(weights) else None
        for metric in ("f1", "precision", "recall"):
            reps = replicates[metric] if replicates is not None else np.empty((0, len(short)))
            stats, draws = correlate(point[metric][0], short, reps, short_reps[: len(reps)])
            self.add(f"recognition_{metric}", dataset, {**stats, "reference": reference}, draws)


def analyze_run(inputs: RunInputs, settings: Settings) -> tuple[pd.DataFrame, list[dict], pd.DataFrame]:
    """Correlation rows, their bootstrap replicates, and the per-value attribute table."""
    analysis = RunAnalysis(inputs, settings)
    dilemmas = [name for name, kind in inputs.kinds.items() if kind == "dilemmas" and name in inputs.decisions]
    reference = settings.reference_dataset or (dilemmas[0] if dilemmas else None)
    attribute_tables = []
    if reference is not None:
        analysis.short_vs_long(reference)
        tasks = inputs.decisions[reference]
        if "short_explicit" in tasks:
            analysis.same_decision(reference, "short_explicit", "implicit_vs_explicit")
        if "short_swapped" in tasks:
            analysis.same_decision(reference, "short_swapped", "order_swap")
    for dataset in sorted(inputs.recognized):
        analysis.recognition(dataset, reference)
    for dataset in sorted(inputs.arguments):
        analysis.temperature(dataset)
        analysis.between_k(dataset)
        if reference is not None:
            attribute_tables += analysis.attributes(dataset, reference)
    correlations = pd.DataFrame(analysis.rows)
    attributes = pd.concat(attribute_tables, ignore_index=True) if attribute_tables else pd.DataFrame()
    return correlations, analysis.replicates, attributes
