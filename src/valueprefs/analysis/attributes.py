"""Attributes of each value's arguments: specificity (judge, 1-5) and diversity (gzip ratio).

Specificity of a value is the mean level of the arguments that carry it. Diversity is the
compression ratio of those arguments (section 3.2): bytes of their concatenation divided by
bytes of its gzip compression (level 6, the gzip command's default); higher means more
redundant, i.e. less diverse.

gzip finds more to share in more text: at equal diversity a value argued for 100 times
compresses about twice as well as one argued for once, so the paper's ratio partly measures
how often a value is argued for. The equal-size ratio takes the mean over random subsets of
the same number of a value's arguments (values with fewer are left out), which removes that.
"""

import gzip

import numpy as np
import pandas as pd

from valueprefs.annotation.argument_table import value_columns
from valueprefs.metrics import SPECIFICITY_COLUMNS, specificity_column

LEVEL_COLUMNS = SPECIFICITY_COLUMNS
GZIP_LEVEL = 6


def compression_ratio(texts: list[str]) -> float:
    """Uncompressed over gzip-compressed bytes of the texts joined by newlines (NaN if none)."""
    if not texts:
        return float("nan")
    raw = "\n".join(texts).encode("utf-8")
    return len(raw) / len(gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0))


class ArgumentValues:
    """The arguments of one long-form file, as an argument x value incidence matrix."""

    def __init__(self, arguments: pd.DataFrame | list[dict], index: dict[str, int], item_positions: dict[str, int]):
        frame = pd.DataFrame(arguments, columns=["item_id", "argument", "values", *LEVEL_COLUMNS]).reset_index(
            drop=True
        )
        self.texts = frame["argument"].fillna("").astype(str).tolist()
        self.incidence = np.zeros((len(frame), len(index)), dtype=bool)
        rows, columns = value_columns(frame["values"], index)
        known = columns >= 0
        self.incidence[rows[known], columns[known]] = True
        self.items = frame["item_id"].map(item_positions).fillna(-1).to_numpy(dtype=np.int64)
        self.levels = {
            column: pd.to_numeric(frame[column], errors="coerce").to_numpy(float) for column in LEVEL_COLUMNS
        }

    def _argument_weights(self, item_weights: np.ndarray | None) -> np.ndarray:
        if item_weights is None:
            return np.ones((1, len(self.texts)))
        weights = np.atleast_2d(item_weights)
        known = self.items >= 0
        return np.where(known, weights[:, np.where(known, self.items, 0)], 0.0)

    def counts(self) -> np.ndarray:
        """Arguments carrying each value."""
        return self.incidence.sum(axis=0)

    def mean_specificity(self, kind: str, item_weights: np.ndarray | None = None) -> np.ndarray:
        """Mean specificity level per value (replicates x values; NaN where no rated argument)."""
        levels = self.levels[specificity_column(kind)]
        rated = np.isfinite(levels)
        weights = self._argument_weights(item_weights) * rated
        mask = self.incidence.astype(float)
        totals = (weights * np.where(rated, levels, 0.0)) @ mask
        counts = weights @ mask
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, totals / counts, np.nan)

    def compression(self, item_weights: np.ndarray | None = None) -> np.ndarray:
        """Compression ratio per value (replicates x values), over the drawn items' arguments.

        A replicate uses each drawn item's arguments once: repeating a text would make it
        look redundant to gzip.
        """
        weights = self._argument_weights(item_weights) > 0
        ratios = np.full((len(weights), self.incidence.shape[1]), np.nan)
        texts = self.texts
        for value in np.flatnonzero(self.incidence.any(axis=0)):
            carrying = np.flatnonzero(self.incidence[:, value])
            for replicate, drawn in enumerate(weights):
                ratios[replicate, value] = compression_ratio([texts[i] for i in carrying if drawn[i]])
        return ratios

    def equal_size_compression(
        self, size: int, subsets: int, seed: int, item_weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Mean compression ratio over ``subsets`` random subsets of ``size`` of a value's
        arguments (replicates x values; NaN where the drawn items hold fewer than ``size``).
        Subsets are drawn per value from a generator seeded by ``seed`` and the value."""
        weights = self._argument_weights(item_weights) > 0
        ratios = np.full((len(weights), self.incidence.shape[1]), np.nan)
        for value in np.flatnonzero(self.incidence.sum(axis=0) >= size):
            carrying = np.flatnonzero(self.incidence[:, value])
            rng = np.random.default_rng([seed, value])
            for replicate, drawn in enumerate(weights):
                pool = carrying[drawn[carrying]]
                if len(pool) >= size:  # each row's `size` smallest random keys: a subset without replacement
                    picks = pool[np.argpartition(rng.random((subsets, len(pool))), size - 1, axis=1)[:, :size]]
                    ratios[replicate, value] = np.mean([compression_ratio([self.texts[i] for i in p]) for p in picks])
        return ratios
