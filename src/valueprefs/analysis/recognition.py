"""Value recognition scores (appendix E): the values a model recognized vs the gold values.

Both sides are vocabulary values, mapped the same way (rules ``gold_values`` and
``recognized_values``). Per value: precision, recall and F1 over situations; overall: micro F1,
and micro F1 within each category of each value framework (virtues, emotions, ...), the
breakdown appendix E discusses. Situation weights (bootstrap draws) make every number
recomputable per replicate.
"""

import numpy as np


class Recognition:
    """Gold and recognized value sets of the situations, as situation x value matrices."""

    def __init__(self, gold: dict[str, list[str]], recognized: dict[str, list[str]], values: list[str]):
        index = {value: i for i, value in enumerate(values)}
        self.situations = list(gold)  # the data set's order, which bootstrap weights follow
        self.gold = np.zeros((len(self.situations), len(values)), dtype=bool)
        self.predicted = np.zeros_like(self.gold)
        for row, situation in enumerate(self.situations):
            for value in gold[situation]:
                if value in index:
                    self.gold[row, index[value]] = True
            for value in recognized.get(situation, []):
                if value in index:
                    self.predicted[row, index[value]] = True

    def counts(self, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted true positives, false positives and false negatives per value."""
        weights = np.ones((1, len(self.situations))) if weights is None else np.atleast_2d(weights)
        hit = self.gold & self.predicted
        return weights @ hit, weights @ (self.predicted & ~self.gold), weights @ (self.gold & ~self.predicted)

    def per_value(self, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Precision, recall and F1 of every value (NaN where undefined), per replicate row."""
        tp, fp, fn = self.counts(weights)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
            recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
            f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        return {"precision": precision, "recall": recall, "f1": f1}

    def micro_f1(self, weights: np.ndarray | None = None, columns: np.ndarray | None = None) -> np.ndarray:
        """F1 over all (situation, value) decisions, per replicate row; ``columns`` (a boolean
        mask over the values) keeps only those values' decisions."""
        tp, fp, fn = self.counts(weights)
        if columns is not None:
            tp, fp, fn = tp[:, columns], fp[:, columns], fn[:, columns]
        tp, fp, fn = tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)

    def gold_count(self, columns: np.ndarray) -> int:
        """Gold (situation, value) pairs among ``columns``."""
        return int(self.gold[:, columns].sum())
