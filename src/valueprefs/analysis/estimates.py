"""Preference estimates of one model run, each computed once and shared by every analysis:
bootstrap draws per data set, short- and long-form preferences with their replicates (by the
configured estimator), split-half reliabilities, and the values left out for too little evidence.
"""

import zlib

import numpy as np
import pandas as pd

from valueprefs.analysis.inputs import RunInputs
from valueprefs.analysis.measures import Measure, long_measure, short_measure
from valueprefs.analysis.reliability import (
    cross_fit,
    half_reliability,
    residuals,
    split_half_reliability,
    split_weights,
)
from valueprefs.analysis.settings import Settings
from valueprefs.analysis.stats import item_weights, nanmean
from valueprefs.data.schema import ID_FIELD
from valueprefs.preferences.logistic import logistic_preferences
from valueprefs.preferences.long_form import long_form_scores
from valueprefs.preferences.set_strength import set_rule
from valueprefs.preferences.short_form import dilemma_sides
from valueprefs.preferences.side_ranks import side_rank_matrix
from valueprefs.preferences.trueskill_games import GameTable, play, replicate_orders

# The headline consistency takes every value present in all four halves of a split: a threshold
# on how often a value was argued for selects values by their long-form preference, and over
# values of a narrower spread the short form's half reliability fell (0.23 against 0.54 with
# min_evidence 3 on the rho = 1 and rho = 0 controls at k = 3), a third of the rho = 1
# studies had no headline, and intervals were wider (bench/RESULTS.md).
HEADLINE_EVIDENCE = 1
NO_RELIABILITY = {"reliability": float("nan"), "half_r": float("nan"), "splits": 0, "n": 0}  # without splits


class Estimates:
    """The estimates of one run; bootstrap draws are shared per data set."""

    def __init__(self, inputs: RunInputs, settings: Settings):
        self.inputs = inputs
        self.settings = settings
        self.index = {value: i for i, value in enumerate(inputs.values)}
        self._weights: dict[str, np.ndarray] = {}
        self._measured: dict[Measure, dict] = {}
        self._reliability: dict[tuple, dict] = {}
        self._covariates: dict[str, np.ndarray] = {}
        self._side_ranks: dict[tuple, np.ndarray] = {}
        self._annotated: dict[tuple, np.ndarray] = {}
        self._set_rules: dict[tuple, dict] = {}

    def weights(self, dataset: str) -> np.ndarray:
        """Resampled weights of the data set's items (replicates x items), seeded per data set."""
        if dataset not in self._weights:
            n, settings = len(self.inputs.items[dataset]), self.settings
            self._weights[dataset] = item_weights(n, settings.bootstrap, settings.seed, dataset, settings.resampling)
        return self._weights[dataset]

    def items_digest(self, dataset: str) -> str:
        """The data set's item ids, in order, as a short digest: two runs whose rows carry the same
        one resampled the same items in every replicate (``weights``), so their statistics can
        be compared replicate by replicate (``comparisons``)."""
        key = ID_FIELD[self.inputs.kinds[dataset]]
        ids = "\n".join(str(item[key]) for item in self.inputs.items[dataset])
        return f"{len(self.inputs.items[dataset])}:{zlib.crc32(ids.encode()):08x}"

    def item_positions(self, dataset: str) -> dict[str, int]:
        """Item id -> its position in the data set."""
        key = ID_FIELD[self.inputs.kinds[dataset]]
        return {item[key]: i for i, item in enumerate(self.inputs.items[dataset])}

    def sample_arguments(self, dataset: str, k: int, sample: int) -> pd.DataFrame:
        """The annotated arguments of one sample."""
        frame = pd.DataFrame(self.inputs.arguments[dataset][k])
        return frame[frame["sample"] == sample] if len(frame) else frame

    def too_little(self, measure: Measure) -> int:
        """How many values a measure saw, but with less exposure than ``min_evidence``."""
        found = self.measured(measure)
        return int(((found["evidence"] > 0) & (found["exposure"] < self.settings.min_evidence)).sum())

    # --- short form --------------------------------------------------------------------
    def short_preferences(self, dataset: str, task: str = "short") -> tuple[np.ndarray, np.ndarray]:
        """Short-form preferences (of the greedy answers) and their bootstrap replicates (NaN:
        fewer games than ``min_evidence``, ``enough``)."""
        return self._thresholded(short_measure(dataset, task))

    def short_under(self, dataset: str, task: str, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Short-form preferences (rows x values; NaN: never played) with item i counted
        ``weights[row, i]`` times, by the configured estimator; and the games (thresholds are
        the callers')."""
        evidence = self.inputs.short[dataset][task]
        games, positions = evidence.games, evidence.positions
        if self.settings.estimator == "logistic":
            pairs = list(zip(games, positions, strict=True))
            drawn = [[game for game, item in pairs for _ in range(int(row[item]))] for row in weights]
            fits = [logistic_preferences(chosen, len(self.index)) for chosen in drawn]
            mu, played = np.array([fit[0] for fit in fits]), np.array([fit[2] for fit in fits])
        else:
            table = GameTable.from_games(games, len(self.index))
            mu, _, played = play(table, replicate_orders(weights, positions))
        return np.where(played >= 1, mu, np.nan), played

    def set_rule(self, dataset: str, task: str = "short") -> dict:
        """Whether a short task's decisions follow each action's strongest value rather than the
        sum of its values (``set_strength.set_rule``): if so, the short form cannot rank the values
        rarely strongest in their set, and consistency with it understates value-level
        consistency."""
        if (dataset, task) not in self._set_rules:
            games = self.inputs.short[dataset][task].games
            self._set_rules[(dataset, task)] = set_rule(GameTable.from_games(games, len(self.index)))
        return self._set_rules[(dataset, task)]

    # --- long form ---------------------------------------------------------------------
    def long_preferences(self, dataset: str, k: int, sample: int) -> tuple[np.ndarray, np.ndarray]:
        """Long-form preferences of one sample and their bootstrap replicates (NaN: never
        argued, or exposed in fewer responses than ``min_evidence``, ``enough``)."""
        return self._thresholded(long_measure(dataset, k, sample))

    def long_under(self, dataset: str, k: int, sample: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Long-form preferences of one sample (rows x values; NaN: never argued for) with item
        i counted ``weights[row, i]`` times; and the responses (thresholds are the callers')."""
        chosen, response_weights = self._responses(dataset, k, sample, weights)
        preference, counts = long_form_scores(self.inputs.positions[dataset][k][1][chosen], response_weights)
        return np.where(counts >= 1, preference, np.nan), counts

    def side_ranks_under(self, dataset: str, k: int, sample: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The headline's long-form preferences of one sample (``side_ranks``: ranks among the
        values of the same action; NaN: never ranked) with item i counted ``weights[row, i]``
        times; and the responses that rank each value."""
        key = (dataset, k)
        if key not in self._side_ranks:
            keys, matrix = self.inputs.positions[dataset][k]
            found = dilemma_sides(self.inputs.items[dataset], self.index)
            sides = {item_id: (to_do, not_to_do) for item_id, to_do, not_to_do, _ in found}
            self._side_ranks[key] = side_rank_matrix(keys, matrix, sides)
        chosen, response_weights = self._responses(dataset, k, sample, weights)
        preference, counts = long_form_scores(self._side_ranks[key][chosen], response_weights)
        return np.where(counts >= 1, preference, np.nan), counts

    def exposure_under(self, measure: Measure, weights: np.ndarray) -> np.ndarray | None:
        """Per row of ``weights`` and value, the responses of a long-form measure on dilemmas
        whose item annotates the value on either action (None for other measures). The data
        set's annotations, not the model, decide these counts; the responses that argue a value
        (the measure's evidence) are the model's outcome: values rarely argued are the ones
        its long form ranks low, and a threshold on them selects values by preference."""
        if measure.task.mode != "long" or self.inputs.kinds[measure.dataset] != "dilemmas":
            return None
        dataset, k, sample = measure.dataset, measure.task.k, measure.task.sample
        if (dataset, k) not in self._annotated:
            keys = self.inputs.positions[dataset][k][0]
            annotated = {}
            for item in self.inputs.items[dataset]:
                both = {*item["values_to_do"], *item["values_not_to_do"]}
                annotated[item[ID_FIELD["dilemmas"]]] = [self.index[v] for v in both if v in self.index]
            matrix = np.zeros((len(keys), len(self.index)))
            for row, (item_id, _) in enumerate(keys):
                matrix[row, annotated.get(item_id, [])] = 1.0
            self._annotated[(dataset, k)] = matrix
        chosen, response_weights = self._responses(dataset, k, sample, weights)
        return response_weights @ self._annotated[(dataset, k)][chosen]

    def _responses(self, dataset: str, k: int, sample: int, weights: np.ndarray) -> tuple[list[int], np.ndarray]:
        """The rows of one sample's responses at k, and each one's weight per row of ``weights``
        (its item's; 0 for an item the data set lacks)."""
        keys = self.inputs.positions[dataset][k][0]
        chosen = [row for row, (_, response_sample) in enumerate(keys) if response_sample == sample]
        positions = self.item_positions(dataset)
        items = np.array([positions.get(keys[row][0], -1) for row in chosen], dtype=np.int64)
        return chosen, np.where(items >= 0, weights[:, np.where(items >= 0, items, 0)], 0.0)

    # --- one measure, on all items and on their bootstrap replicates ----------------------
    def measured(self, measure: Measure) -> dict:
        """A measure on all items
        and per bootstrap replicate, with the evidence behind each value (games or responses
        that argue it) and its exposure (what ``min_evidence`` counts: games, or for the long
        form on dilemmas ``exposure_under``): every value seen at least once, thresholds
        applied by the caller; estimated once."""
        if measure not in self._measured:
            dataset = measure.dataset
            under = self.under(measure)
            ones = np.ones((1, len(self.inputs.items[dataset])))
            point, evidence = under(ones)
            weights = self.weights(dataset)
            empty = np.empty((0, len(self.index)))
            replicates, drawn_evidence = under(weights) if len(weights) else (empty, empty)
            exposure, drawn_exposure = (self.exposure_under(measure, w) for w in (ones, weights))
            self._measured[measure] = {
                "point": point[0], "evidence": evidence[0], "replicates": replicates, "drawn_evidence": drawn_evidence,
                "exposure": (evidence if exposure is None else exposure)[0],
                "drawn_exposure": drawn_evidence if drawn_exposure is None else drawn_exposure,
            }  # fmt: skip
        return self._measured[measure]

    def enough(self, measure: Measure) -> tuple[np.ndarray, np.ndarray]:
        """Per value, whether a measure may enter a correlation, on all items and per bootstrap
        replicate: at least ``min_evidence`` exposure (``measured``). On dilemmas the threshold
        thus counts what the annotations decide, so raising it does not keep the values a model
        argues most; on data sets without annotations it counts the responses that argue a
        value. (A statistic that cannot rank a value the model never argued, as the paper's
        position score, leaves it out by itself: its ``n`` says how many it had.)"""
        found, threshold = self.measured(measure), max(self.settings.min_evidence, 1)
        return found["exposure"] >= threshold, found["drawn_exposure"] >= threshold

    def _thresholded(self, measure: Measure) -> tuple[np.ndarray, np.ndarray]:
        """A measure and its replicates, each without the values it may not correlate (``enough``)."""
        found, (point, drawn) = self.measured(measure), self.enough(measure)
        return np.where(point, found["point"], np.nan), np.where(drawn, found["replicates"], np.nan)

    def row_values(self, measures: list[Measure]) -> np.ndarray:
        """The values a row of the correlation table compares (True per value): those every
        one of its measures may correlate on all items (``enough``). Every statistic of the
        row (the paper's, the ceiling, the headline) is taken over them; the ones computed on
        halves of the items use those present in every half."""
        return np.logical_and.reduce([self.enough(measure)[0] for measure in measures])

    def on_values(self, measure: Measure, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A measure and its replicates over ``values`` only; each replicate also leaves out the
        values its own draw may not correlate (``enough``), as the point did on all items (the
        replicate repeats the whole computation: the intervals were calibrated so)."""
        found = self.measured(measure)
        point = np.where(values, found["point"], np.nan)
        return point, np.where(values & self.enough(measure)[1], found["replicates"], np.nan)

    # --- reliability and consistency on one split design -----------------------------------
    def under(self, measure: Measure):
        """The preferences of a measure and their evidence as a function of item weights (rows x
        items -> rows x values, twice)."""
        dataset, task = measure.dataset, measure.task
        if task.mode == "short":
            return lambda weights: self.short_under(dataset, task.name, weights)
        estimate = self.side_ranks_under if measure.side_ranks else self.long_under
        return lambda weights: estimate(dataset, task.k, task.sample, weights)

    def headline_measure(self, measure: Measure) -> Measure:
        """The measure the headline consistency takes for ``measure``: a long-form one on a data
        set of dilemmas is ranked within each action's values (``side_ranks``), so that effects
        tied to a dilemma's sides do not pass for value preferences; others are unchanged."""
        if measure.task.mode == "long" and self.inputs.kinds[measure.dataset] == "dilemmas":
            return measure.within_sides()
        return measure

    def halves(self, measure: Measure, min_evidence: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The measure on each half of the seeded splits of its data set's items (splits x
        values; ``min_evidence``: by default the configured one). Each half is estimated once;
        a threshold only masks it."""
        key = ("halves", measure)
        if key not in self._reliability:
            first, second = self._splits(measure.dataset)
            under = self.under(measure)
            self._reliability[key] = (under(first), under(second))
        return _at_least(self._reliability[key], self.settings.min_evidence if min_evidence is None else min_evidence)

    def replicate_halves(self, measure: Measure) -> tuple[np.ndarray, np.ndarray]:
        """Per bootstrap replicate, the measure on each half of its drawn items, for
        ``replicate_splits`` splits each ((replicates x splits) rows, replicate by replicate),
        with the headline's evidence threshold."""
        key = ("replicate halves", measure)
        if key not in self._reliability:
            weights = self.weights(measure.dataset)
            first, _ = self._splits(measure.dataset)
            if not len(first) or not len(weights):
                empty = np.empty((0, len(self.index)))
                self._reliability[key] = (empty, empty)
            else:
                per = self.settings.replicate_splits
                split = first[np.arange(len(weights) * per) % len(first)]
                drawn = np.repeat(weights, per, axis=0)
                under = self.under(measure)
                self._reliability[key] = _at_least(
                    (under(drawn * split), under(drawn * (1.0 - split))), HEADLINE_EVIDENCE
                )
        return self._reliability[key]

    def reliability(self, measure: Measure) -> dict:
        """Split-half (Spearman-Brown) reliability of a measure."""
        if not self.settings.reliability_splits:
            return NO_RELIABILITY
        return split_half_reliability(*self.halves(measure))

    def short_reliability(self, dataset: str, task: str = "short") -> dict:
        """Split-half reliability of the short-form preferences of a task."""
        return self.reliability(short_measure(dataset, task))

    def long_reliability(self, dataset: str, k: int) -> dict:
        """Split-half reliability of the long-form preferences of the preference sample."""
        return self.reliability(long_measure(dataset, k, self.settings.preference_sample))

    def value_covariates(self, dataset: str) -> np.ndarray | None:
        """Per value (rows), two columns from the data set's annotations: the share of its
        appearances on the "to do" side, and the log of how many dilemmas it appears in; NaN for
        a value in none; None for a data set without actions. A model that favours acting lifts
        every value argued for acting, in both formats and every half of the items (a
        preference for a side, not for values); effects tied to dilemmas reach frequent values
        more often than rare ones (in the long form, a value argued only when its side is
        favoured ranks high whenever it is argued)."""
        if self.inputs.kinds[dataset] != "dilemmas":
            return None
        if dataset not in self._covariates:
            self._covariates[dataset] = self._count_covariates(dataset)
        return self._covariates[dataset]

    def _count_covariates(self, dataset: str) -> np.ndarray:
        to_do, either = np.zeros(len(self.index)), np.zeros(len(self.index))
        for item in self.inputs.items[dataset]:
            for side in ("values_to_do", "values_not_to_do"):
                found = [self.index[value] for value in set(item[side]) if value in self.index]
                either[found] += 1
                to_do[found] += side == "values_to_do"
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(either > 0, to_do / either, np.nan)
            return np.column_stack([share, np.where(either > 0, np.log(either), np.nan)])

    def consistency(self, x: Measure, y: Measure, values: np.ndarray) -> tuple[dict, dict]:
        """Two measures (each as ``headline_measure`` takes it) correlated across halves of the
        items over ``values`` (``row_values``), with their half-length reliabilities (per split,
        the values present in every half: ``HEADLINE_EVIDENCE``), each half's preferences taken
        net of the values' covariates (``value_covariates``, ``residuals``): over the seeded
        splits, and per bootstrap replicate (averaged over its splits, as the point is over the
        seeded ones)."""
        empty = {name: np.array([]) for name in ("across", "half_x", "half_y", "values")}
        if not self.settings.reliability_splits:
            return empty, empty
        covariates = self.value_covariates(x.dataset)
        x, y = self.headline_measure(x), self.headline_measure(y)
        point = cross_fit(*(residuals(half, covariates) for half in self._row_halves(x, y, values)))
        drawn_halves = (*self.replicate_halves(x), *self.replicate_halves(y))
        drawn = cross_fit(*(residuals(np.where(values, half, np.nan), covariates) for half in drawn_halves))
        per = self.settings.replicate_splits
        return point, {name: nanmean(rows.reshape(-1, per), axis=1) for name, rows in drawn.items()}

    def row_reliabilities(self, x: Measure, y: Measure, values: np.ndarray) -> tuple[dict, dict]:
        """Split-half (Spearman-Brown, Pearson as the paper's r) reliabilities of two measures
        over ``values``, per split over the values present in all four halves, as the headline
        takes them: the paper's r and its ceiling are over the same values."""
        if not self.settings.reliability_splits:
            return NO_RELIABILITY, NO_RELIABILITY
        found = cross_fit(*self._row_halves(x, y, values), method="pearson")
        return tuple(half_reliability(found[name], found["values"]) for name in ("half_x", "half_y"))

    def mean_consistency(self, pairs: list[tuple[Measure, Measure]], values: np.ndarray) -> tuple[dict, dict]:
        """``consistency`` of each pair of measures over ``values``, averaged over the pairs
        split by split and replicate by replicate (all measures of a data set share its splits
        and replicates)."""
        found = [self.consistency(x, y, values) for x, y in pairs]
        return tuple(
            {name: nanmean(np.array([part[which][name] for part in found]), axis=0) for name in found[0][which]}
            for which in (0, 1)
        )

    def _row_halves(self, x: Measure, y: Measure, values: np.ndarray) -> tuple[np.ndarray, ...]:
        """Both measures on both halves of the seeded splits (``HEADLINE_EVIDENCE``), over ``values``."""
        halves = (*self.halves(x, HEADLINE_EVIDENCE), *self.halves(y, HEADLINE_EVIDENCE))
        return tuple(np.where(values, half, np.nan) for half in halves)

    def _splits(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        splits = self.settings.reliability_splits
        return split_weights(len(self.inputs.items[dataset]), splits, self.settings.seed, dataset)


def _at_least(found: tuple, threshold: int) -> tuple[np.ndarray, ...]:
    """Each (preferences, evidence) pair's preferences without the values below ``threshold``."""
    return tuple(np.where(evidence >= max(threshold, 1), preference, np.nan) for preference, evidence in found)
