"""The analyses of one model run, each adding rows to the correlation table: consistency
(short vs long, temperature samples, between k), decisions kept (values revealed, order
swapped), attributes vs preferences, value recognition, and the reliabilities behind the
noise ceilings. Every row has its bootstrap replicates beside it.
"""

from itertools import combinations

import numpy as np
import pandas as pd

from valueprefs.analysis.attributes import ArgumentValues
from valueprefs.analysis.controls import control_rows
from valueprefs.analysis.estimates import Estimates
from valueprefs.analysis.inputs import RunInputs
from valueprefs.analysis.measures import Measure, long_measure, short_measure
from valueprefs.analysis.recognition import Recognition
from valueprefs.analysis.reliability import disattenuate, headline
from valueprefs.analysis.settings import Settings
from valueprefs.analysis.stats import correlate, interval, nanmean, pairwise_spearman, resampled_p
from valueprefs.metrics import DIVERSITY_COLUMN, EQUAL_SIZE_DIVERSITY_COLUMN, specificity_column
from valueprefs.tasks import long_task

DECIDED = {"to_do", "not_to_do"}


class RunAnalyses:
    """Rows of the correlation table and their replicates, from one run's estimates."""

    def __init__(self, estimates: Estimates):
        self.estimates = estimates
        self.inputs = estimates.inputs
        self.settings = estimates.settings
        self.rows: list[dict] = []
        self.replicates: list[dict] = []
        self._reported: set[tuple] = set()

    def add(
        self, analysis: str, dataset: str, stats: dict, replicates: np.ndarray, headline_draws=None, **where
    ) -> None:
        """One row (and its replicates, and those of its headline consistency if it has one),
        keyed by analysis, data set and setting."""
        key = "/".join(str(part) for part in (analysis, dataset, *where.values()))
        row = {"key": key, "analysis": analysis, "dataset": dataset, "k": None, "k2": None, "method": "pearson"}
        row["min_evidence"] = self.settings.min_evidence
        row["items"] = self.estimates.items_digest(dataset)
        self.rows.append({**row, **where, **stats})
        drawn = {"key": key, "replicates": [float(x) for x in replicates]}
        if headline_draws is not None:
            drawn["consistency"] = [float(x) for x in headline_draws]
        self.replicates.append(drawn)

    # --- reliability -------------------------------------------------------------------
    def short_reliability(self, dataset: str, task: str = "short") -> dict:
        """The reliability of a short task; its row is added the first time it is used."""
        found = self.estimates.short_reliability(dataset, task)
        self._report_reliability((dataset, task), dataset, found, task=task)
        return found

    def long_reliability(self, dataset: str, k: int) -> dict:
        """The reliability of a long task; its row is added the first time it is used."""
        found = self.estimates.long_reliability(dataset, k)
        self._report_reliability((dataset, k), dataset, found, task=long_task(k).name, k=k)
        return found

    def _report_reliability(self, key: tuple, dataset: str, found: dict, **where) -> None:
        if key in self._reported:
            return
        self._reported.add(key)
        stats = {"r": found["reliability"], "p": float("nan"), "n": found["n"], "ci_low": float("nan")}
        stats.update(ci_high=float("nan"), half_r=found["half_r"], splits=found["splits"])
        self.add("reliability", dataset, stats, np.array([]), method="split_half", **where)

    def compared(self, x: Measure, y: Measure) -> tuple[dict, np.ndarray, np.ndarray]:
        """The row of two measures over one set of values (``Estimates.row_values``): the paper's
        same-item ``r`` with its reliabilities and noise ceiling, and the headline consistency
        (across halves of the items, corrected for noise) beside it; the replicates of ``r``
        and of the headline."""
        values = self.estimates.row_values([x, y])
        (first, first_reps), (second, second_reps) = (self.estimates.on_values(m, values) for m in (x, y))
        stats, reps = correlate(first, second, first_reps, second_reps)
        reliabilities = self.estimates.row_reliabilities(x, y, values)
        point, replicates = self.estimates.consistency(x, y, values)
        found, draws = disattenuate(stats["r"], point, replicates, *(part["reliability"] for part in reliabilities))
        stats |= {"reliability_x": reliabilities[0]["reliability"], "reliability_y": reliabilities[1]["reliability"]}
        excluded = {"excluded_x": self.estimates.too_little(x), "excluded_y": self.estimates.too_little(y)}
        return stats | found | excluded, reps, draws

    # --- consistency -------------------------------------------------------------------
    def short_vs_long(self, reference: str) -> None:
        self.short_reliability(reference)
        sample = self.settings.preference_sample
        for k in sorted(self.inputs.arguments.get(reference, {})):
            self.long_reliability(reference, k)
            x, y = short_measure(reference), long_measure(reference, k, sample)
            stats, reps, draws = self.compared(x, y)
            stats |= self.estimates.set_rule(reference)
            self.add("short_vs_long", reference, stats, reps, headline_draws=draws, k=k)

    def temperature(self, dataset: str) -> None:
        """Mean Spearman over all pairs of temperature samples (p and interval from its
        replicates; the paper's statistic), and the headline consistency over the same pairs,
        both over the values every sample has (``Estimates.row_values``)."""
        for k in sorted(self.inputs.arguments.get(dataset, {})):
            measures = [long_measure(dataset, k, sample) for sample in self.settings.temperature_samples]
            if len(measures) < 2:
                continue
            values = self.estimates.row_values(measures)
            prefs = [self.estimates.on_values(measure, values) for measure in measures]
            r, n = pairwise_spearman([np.vstack([point[None, :], reps]) for point, reps in prefs])
            replicates = nanmean(r[:, 1:], axis=0)
            low, high = interval(replicates, float(nanmean(r[:, 0])))
            stats = {
                "r": float(nanmean(r[:, 0])),
                "p": resampled_p(replicates, float(nanmean(r[:, 0]))),
                "n": int(np.median(n[:, 0])),
                "ci_low": low,
                "ci_high": high,
                "pairs": len(r),
            }
            found, draws = headline(*self.estimates.mean_consistency(list(combinations(measures, 2)), values))
            self.add("temperature", dataset, stats | found, replicates, headline_draws=draws, k=k, method="spearman")

    def between_k(self, dataset: str) -> None:
        ks = sorted(self.inputs.arguments.get(dataset, {}))
        sample = self.settings.preference_sample
        for k in ks:
            self.long_reliability(dataset, k)
        for k1, k2 in combinations(ks, 2):
            stats, reps, draws = self.compared(long_measure(dataset, k1, sample), long_measure(dataset, k2, sample))
            self.add("between_k", dataset, stats, reps, headline_draws=draws, k=k1, k2=k2)

    def same_decision(self, dataset: str, task: str, analysis: str) -> None:
        """Fraction of dilemmas decided the same way in ``short`` and in ``task`` (both parsed)."""
        first, second = (self.inputs.short[dataset][name].decisions for name in ("short", task))
        positions = self.estimates.item_positions(dataset)
        decided = [
            (positions[item], first[item] == second.get(item))
            for item in first
            if item in positions and {first[item], second.get(item)} <= DECIDED
        ]
        same = np.array([flag for _, flag in decided], dtype=float)
        where = np.array([position for position, _ in decided], dtype=np.int64)
        weights = self.estimates.weights(dataset)[:, where] if len(decided) else np.empty((0, 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            replicates = (weights @ same) / weights.sum(axis=1) if len(decided) else np.array([])
        fraction = float(same.mean()) if len(same) else float("nan")
        low, high = interval(replicates, fraction, bounds=(0.0, 1.0))
        stats = {"r": fraction, "p": float("nan"), "n": len(same), "ci_low": low, "ci_high": high}
        self.add(analysis, dataset, stats, replicates, method="fraction")

    # --- attributes and recognition ------------------------------------------------------
    def attributes(self, dataset: str, reference: str) -> list[pd.DataFrame]:
        """Per-value attributes of every k, and their correlations with short-form preferences."""
        short, short_reps = self.estimates.short_preferences(reference)
        tables = []
        for k in sorted(self.inputs.arguments.get(dataset, {})):
            rows = self.estimates.sample_arguments(dataset, k, self.settings.preference_sample)
            arguments = ArgumentValues(rows, self.estimates.index, self.estimates.item_positions(dataset))
            weights = self.estimates.weights(dataset)
            metrics = {
                specificity_column(kind): (
                    arguments.mean_specificity(kind)[0],
                    arguments.mean_specificity(kind, weights),
                )
                for kind in self.settings.specificity
            }
            extra = self.settings.compression_replicates
            ratios = arguments.compression()[0]
            ratio_reps = arguments.compression(weights[:extra]) if extra else np.tile(ratios, (len(weights), 1))
            metrics[DIVERSITY_COLUMN] = (ratios, ratio_reps)
            subsets = self.settings.compression_subset_size, self.settings.compression_subsets, self.settings.seed
            equal = arguments.equal_size_compression(*subsets)[0]
            equal_reps = (
                arguments.equal_size_compression(*subsets, weights[:extra])
                if extra
                else np.tile(equal, (len(weights), 1))
            )
            metrics[EQUAL_SIZE_DIVERSITY_COLUMN] = (equal, equal_reps)
            table = pd.DataFrame(
                {"dataset": dataset, "k": k, "value": self.inputs.values, "arguments": arguments.counts()}
            )
            for name, (point, reps) in metrics.items():
                table[name] = point
                stats, replicates = correlate(point, short, reps, short_reps[: len(reps)])
                self.add(name, dataset, {**stats, "reference": reference}, replicates, k=k)
            table["preference"] = short
            tables.append(table)
        return tables

    def recognition(self, dataset: str, reference: str | None) -> None:
        """Micro F1 of the recognized values (overall and per framework category), and per-value
        scores vs short-form preferences."""
        gold = {item["situation_id"]: item["values"] for item in self.inputs.items[dataset]}
        scores = Recognition(gold, self.inputs.recognized[dataset], self.inputs.values)
        weights = self.estimates.weights(dataset)
        micro = scores.micro_f1(weights) if len(weights) else np.array([])
        low, high = interval(micro, float(scores.micro_f1()[0]), bounds=(0.0, 1.0))
        overall = {"r": float(scores.micro_f1()[0]), "p": float("nan"), "n": len(gold), "ci_low": low, "ci_high": high}
        dropped = {"unmatched_names": self.inputs.dropped_names.get(dataset, 0)}
        self.add("recognition_overall_f1", dataset, {**overall, **dropped}, micro, method="micro_f1")
        for framework, categories in sorted(self.inputs.frameworks.items()):
            for category in sorted(set(categories.values())):
                columns = np.array([categories.get(value) == category for value in self.inputs.values])
                reps = scores.micro_f1(weights, columns) if len(weights) else np.array([])
                point = float(scores.micro_f1(columns=columns)[0])
                low, high = interval(reps, point, bounds=(0.0, 1.0))
                stats = {"r": point, "p": float("nan"), "n": len(gold)}
                stats |= {"ci_low": low, "ci_high": high, "gold_pairs": scores.gold_count(columns)}
                where = {"framework": framework, "category": category}
                self.add("recognition_category_f1", dataset, stats, reps, method="micro_f1", **where)
        if reference is None:
            return
        short, short_reps = self.estimates.short_preferences(reference)
        point, replicates = scores.per_value(), scores.per_value(weights) if len(weights) else None
        for metric in ("f1", "precision", "recall"):
            reps = replicates[metric] if replicates is not None else np.empty((0, len(short)))
            stats, draws = correlate(point[metric][0], short, reps, short_reps[: len(reps)])
            self.add(f"recognition_{metric}", dataset, {**stats, "reference": reference}, draws)


def analyze_run(inputs: RunInputs, settings: Settings) -> tuple[pd.DataFrame, list[dict], pd.DataFrame]:
    """Correlation rows, their bootstrap replicates, and the per-value attribute table."""
    analyses = RunAnalyses(Estimates(inputs, settings))
    dilemmas = [name for name, kind in inputs.kinds.items() if kind == "dilemmas" and name in inputs.short]
    reference = settings.reference_dataset or (dilemmas[0] if dilemmas else None)
    attribute_tables = []
    if reference is not None:
        analyses.short_vs_long(reference)
        tasks = inputs.short[reference]
        if "short_explicit" in tasks:
            analyses.same_decision(reference, "short_explicit", "implicit_vs_explicit")
        if "short_swapped" in tasks:
            analyses.same_decision(reference, "short_swapped", "order_swap")
        if inputs.truth is not None:
            control_rows(analyses, reference)
    for dataset in sorted(inputs.recognized):
        analyses.recognition(dataset, reference)
    for dataset in sorted(inputs.arguments):
        analyses.temperature(dataset)
        analyses.between_k(dataset)
        if reference is not None:
            attribute_tables += analyses.attributes(dataset, reference)
    correlations = pd.DataFrame(analyses.rows)
    attributes = pd.concat(attribute_tables, ignore_index=True) if attribute_tables else pd.DataFrame()
    return correlations, analyses.replicates, attributes
