"""Preference estimates of one model run, each computed once and shared by every analysis:
bootstrap draws per data set, short- and long-form preferences with their replicates (by the
configured estimator), split-half reliabilities, and the values left out for too little evidence.
"""

import numpy as np
import pandas as pd

from valueprefs.analysis.inputs import RunInputs, Settings
from valueprefs.analysis.reliability import cross_fit, split_half_reliability, split_weights
from valueprefs.analysis.stats import item_weights
from valueprefs.data.schema import ID_FIELD
from valueprefs.preferences.logistic import logistic_preferences
from valueprefs.preferences.long_form import long_form_scores
from valueprefs.preferences.trueskill_games import GameTable, play, replicate_orders


class Estimates:
    """The estimates of one run; bootstrap draws are shared per data set."""

    def __init__(self, inputs: RunInputs, settings: Settings):
        self.inputs = inputs
        self.settings = settings
        self.index = {value: i for i, value in enumerate(inputs.values)}
        self._weights: dict[str, np.ndarray] = {}
        self._short: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._long: dict[tuple[str, int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._reliability: dict[tuple, dict] = {}
        self.excluded: dict[tuple, int] = {}  # values seen, but below min_evidence

    def weights(self, dataset: str) -> np.ndarray:
        """Resampled weights of the data set's items (replicates x items), seeded per data set."""
        if dataset not in self._weights:
            n, settings = len(self.inputs.items[dataset]), self.settings
            self._weights[dataset] = item_weights(n, settings.bootstrap, settings.seed, dataset, settings.resampling)
        return self._weights[dataset]

    def item_positions(self, dataset: str) -> dict[str, int]:
        """Item id -> its position in the data set."""
        key = ID_FIELD[self.inputs.kinds[dataset]]
        return {item[key]: i for i, item in enumerate(self.inputs.items[dataset])}

    def sample_arguments(self, dataset: str, k: int, sample: int) -> pd.DataFrame:
        """The annotated arguments of one sample."""
        frame = pd.DataFrame(self.inputs.arguments[dataset][k])
        return frame[frame["sample"] == sample] if len(frame) else frame

    def too_little(self, evidence: np.ndarray) -> int:
        """How many values were seen, but in fewer games or responses than ``min_evidence``."""
        return int(((evidence > 0) & (evidence < self.settings.min_evidence)).sum())

    # --- short form --------------------------------------------------------------------
    def short_preferences(self, dataset: str, task: str = "short") -> tuple[np.ndarray, np.ndarray]:
        """Short-form preferences of the preference sample and their bootstrap replicates."""
        if (dataset, task) not in self._short:
            point, evidence = self.short_under(dataset, task, np.ones((1, len(self.inputs.items[dataset]))))
            self.excluded["short", dataset, task] = self.too_little(evidence[0])
            weights = self.weights(dataset)
            replicates = self.short_under(dataset, task, weights)[0] if len(weights) else np.empty((0, len(self.index)))
            self._short[dataset, task] = point[0], replicates
        return self._short[dataset, task]

    def short_under(self, dataset: str, task: str, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Short-form preferences (rows x values; NaN: fewer games than ``min_evidence``) with
        item i counted ``weights[row, i]`` times, by the configured estimator; and the games."""
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
        return np.where(played >= max(self.settings.min_evidence, 1), mu, np.nan), played

    # --- long form ---------------------------------------------------------------------
    def long_preferences(self, dataset: str, k: int, sample: int) -> tuple[np.ndarray, np.ndarray]:
        """Long-form preferences of one sample and their bootstrap replicates."""
        if (dataset, k, sample) not in self._long:
            point, evidence = self.long_under(dataset, k, sample, np.ones((1, len(self.inputs.items[dataset]))))
            self.excluded["long", dataset, k, sample] = self.too_little(evidence[0])
            weights = self.weights(dataset)
            empty = np.empty((0, point.shape[1]))
            replicates = self.long_under(dataset, k, sample, weights)[0] if len(weights) else empty
            self._long[dataset, k, sample] = point[0], replicates
        return self._long[dataset, k, sample]

    def long_under(self, dataset: str, k: int, sample: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Long-form preferences of one sample (rows x values; NaN: fewer responses than
        ``min_evidence``) with item i counted ``weights[row, i]`` times; and the responses."""
        keys, matrix = self.inputs.positions[dataset][k]
        chosen = [row for row, (_, response_sample) in enumerate(keys) if response_sample == sample]
        positions = self.item_positions(dataset)
        items = np.array([positions.get(keys[row][0], -1) for row in chosen], dtype=np.int64)
        response_weights = np.where(items >= 0, weights[:, np.where(items >= 0, items, 0)], 0.0)
        preference, counts = long_form_scores(matrix[chosen], response_weights)
        return np.where(counts >= self.settings.min_evidence, preference, np.nan), counts

    # --- reliability and consistency on one split design -----------------------------------
    def under(self, measure: tuple):
        """The preferences of a measure (("short", data set, task) or ("long", data set, k,
        sample)) as a function of item weights (rows x items -> rows x values)."""
        if measure[0] == "short":
            return lambda weights: self.short_under(measure[1], measure[2], weights)[0]
        return lambda weights: self.long_under(measure[1], measure[2], measure[3], weights)[0]

    def halves(self, measure: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The measure on each half of the seeded splits of its data set's items (splits x values)."""
        key = ("halves", measure)
        if key not in self._reliability:
            first, second = self._splits(measure[1])
            under = self.under(measure)
            self._reliability[key] = (under(first), under(second))
        return self._reliability[key]

    def replicate_halves(self, measure: tuple) -> tuple[np.ndarray, np.ndarray]:
        """Per bootstrap replicate, the measure on each half of its drawn items (one split each)."""
        key = ("replicate halves", measure)
        if key not in self._reliability:
            weights = self.weights(measure[1])
            first, _ = self._splits(measure[1])
            if not len(first) or not len(weights):
                empty = np.empty((0, len(self.index)))
                self._reliability[key] = (empty, empty)
            else:
                split = first[np.arange(len(weights)) % len(first)]
                under = self.under(measure)
                self._reliability[key] = (under(weights * split), under(weights * (1.0 - split)))
        return self._reliability[key]

    def reliability(self, measure: tuple) -> dict:
        """Split-half (Spearman-Brown) reliability of a measure."""
        if not self.settings.reliability_splits:
            return {"reliability": float("nan"), "half_r": float("nan"), "splits": 0, "n": 0}
        return split_half_reliability(*self.halves(measure))

    def short_reliability(self, dataset: str, task: str = "short") -> dict:
        """Split-half reliability of the short-form preferences of a task."""
        return self.reliability(("short", dataset, task))

    def long_reliability(self, dataset: str, k: int) -> dict:
        """Split-half reliability of the long-form preferences of the preference sample."""
        return self.reliability(("long", dataset, k, self.settings.preference_sample))

    def consistency(self, x: tuple, y: tuple) -> tuple[dict, dict]:
        """Two measures correlated across halves of the items, with their half-length
        reliabilities: over the seeded splits, and per bootstrap replicate."""
        point = cross_fit(*self.halves(x), *self.halves(y)) if self.settings.reliability_splits else {}
        replicates = cross_fit(*self.replicate_halves(x), *self.replicate_halves(y)) if point else {}
        empty = {"across": np.array([]), "half_x": np.array([]), "half_y": np.array([])}
        return point or empty, replicates or empty

    def _splits(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        splits = self.settings.reliability_splits
        return split_weights(len(self.inputs.items[dataset]), splits, self.settings.seed, dataset)
