"""Value recognition (appendix E): values a model names for a situation vs the gold values.

A model's answer is read as a list of names (split on commas, semicolons, "and" and line
breaks; bullets, numbers and colons removed), up to the first prose (a part longer than four
words) after some names, and matched to the vocabulary; names that match nothing are counted
and cannot be right. Per value: precision, recall and F1 over situations; overall: micro F1.
Situation weights (bootstrap draws) make every number recomputable per replicate.
"""

import re

import numpy as np

from valueprefs.annotation.vocabulary import ValueMatcher

SPLIT = re.compile(r",|;|\band\b")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
MAX_NAMED = 5
MAX_NAME_WORDS = 4


def named_values(text: str, matcher: ValueMatcher) -> tuple[list[str], list[str]]:
    """Vocabulary values named in an answer (at most five) and the names that matched nothing."""
    names: list[str] = []
    for line in text.splitlines():
        parts = [BULLET.sub("", part).strip(" .:\"'*") for part in SPLIT.split(line)]
        if names and any(len(part.split()) > MAX_NAME_WORDS for part in parts):
            break
        names += [part for part in parts if part and len(part.split()) <= MAX_NAME_WORDS]
    return matcher.match_all(names, limit=MAX_NAMED)


class Recognition:
    """Gold and predicted value sets of the situations, as situation x value matrices."""

    def __init__(self, gold: dict[str, list[str]], answers: dict[str, str], values: list[str]):
        index = {value: i for i, value in enumerate(values)}
        matcher = ValueMatcher(values)
        self.situations = list(gold)  # the data set's order, which bootstrap weights follow
        self.gold = np.zeros((len(self.situations), len(values)), dtype=bool)
        self.predicted = np.zeros_like(self.gold)
        self.unmatched_names = 0
        for row, situation in enumerate(self.situations):
            for value in gold[situation]:
                if value in index:
                    self.gold[row, index[value]] = True
            found, missed = named_values(answers.get(situation, ""), matcher)
            self.unmatched_names += len(missed)
            for value in found:
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

    def micro_f1(self, weights: np.ndarray | None = None) -> np.ndarray:
        """F1 over all (situation, value) decisions, per replicate row."""
        tp, fp, fn = (part.sum(axis=1) for part in self.counts(weights))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
