"""Long-form preferences from the order of arguments (section 2.3).

For a response, a value's normalized position is the 1-based position of the first argument
carrying it divided by the response's number of arguments. A value's preference is minus the
mean normalized position over the responses that carry it.
"""

import numpy as np
import pandas as pd

from valueprefs.annotation.argument_table import value_columns
from valueprefs.errors import DataError
from valueprefs.io import atomic_target


def position_matrix(arguments: pd.DataFrame | list[dict], index: dict[str, int]) -> tuple[list[tuple], np.ndarray]:
    """Responses (item id, sample) and their normalized first positions (NaN: value absent)."""
    frame = pd.DataFrame(arguments, columns=["item_id", "sample", "position", "n_arguments", "values"])
    items, item_names = pd.factorize(frame["item_id"].astype(str), sort=True)
    samples = frame["sample"].to_numpy(dtype=np.int64)
    stride = int(samples.max(initial=0)) + 1
    response_keys, responses = np.unique(items * stride + samples, return_inverse=True)
    names = list(item_names)
    keys = [(names[key // stride], key % stride) for key in response_keys.tolist()]
    matrix = np.full((len(keys), len(index)), np.nan)
    rows, columns = value_columns(frame["values"], index)
    known = columns >= 0
    cells = responses[rows[known]] * len(index) + columns[known]
    positions = (frame["position"] / frame["n_arguments"]).to_numpy(float)[rows[known]]
    order = np.lexsort((positions, cells))  # by cell, then position: a cell's first entry is its minimum
    cells, first = np.unique(cells[order], return_index=True)
    matrix.flat[cells] = positions[order][first]
    return keys, matrix


def long_form_scores(matrix: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Preferences and weighted response counts per value; one row per row of ``weights``.

    ``weights`` (replicates x responses) are how often each response is drawn (1 = once).
    """
    weights = np.ones((1, matrix.shape[0])) if weights is None else np.atleast_2d(weights)
    present = ~np.isnan(matrix)
    counts = weights @ present
    totals = weights @ np.where(present, matrix, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        preference = np.where(counts > 0, -totals / counts, np.nan)
    return preference, counts


def long_form_frame(matrix: np.ndarray, values: list[str]) -> pd.DataFrame:
    """Per value: its long-form preference and the number of responses that carry it."""
    preference, counts = long_form_scores(matrix)
    return pd.DataFrame({"value": values, "preference": preference[0], "responses": counts[0].astype(int)})


def long_form_table(arguments: pd.DataFrame | list[dict], values: list[str]) -> pd.DataFrame:
    """``long_form_frame`` of annotated arguments."""
    return long_form_frame(position_matrix(arguments, {value: i for i, value in enumerate(values)})[1], values)


def save_positions(
    path: str, keys: list[tuple], matrix: np.ndarray, lengths: np.ndarray, values: list[str], rows: dict
) -> None:
    """The position matrix of every response, for the analysis, stored exactly and compactly
    as 1-based first positions and response lengths (``lengths``: arguments per response;
    ``rows``: each sample's rows in the argument table, as (first row, count))."""
    samples = sorted(rows)
    dtype = np.uint8 if lengths.max(initial=0) < 256 else np.uint16
    first = np.rint(np.nan_to_num(matrix) * lengths[:, None]).astype(dtype)  # 0: value absent
    with atomic_target(path, suffix=".npz") as temporary:
        np.savez(
            temporary,
            item_ids=np.array([item for item, _ in keys], dtype=str),
            samples=np.array([sample for _, sample in keys], dtype=np.int64),
            first=first,
            lengths=lengths.astype(np.uint16),
            values=np.array(values, dtype=str),
            table_samples=np.array(samples, dtype=np.int64),
            table_rows=np.array([rows[s] for s in samples], dtype=np.int64).reshape(-1, 2),
        )


def load_positions(path: str, values: list[str]) -> tuple[list[tuple], np.ndarray, dict[int, tuple[int, int]]]:
    """Keys, position matrix and table rows saved by ``save_positions``."""
    with np.load(path) as saved:
        if list(saved["values"]) != list(values):
            raise DataError(path, "was computed with another value vocabulary; rerun the preferences rule")
        keys = list(zip(saved["item_ids"].tolist(), saved["samples"].tolist(), strict=True))
        first, lengths = saved["first"], saved["lengths"].astype(float)
        matrix = np.where(first > 0, first / np.maximum(lengths, 1)[:, None], np.nan)
        rows = {
            int(s): (int(r[0]), int(r[1])) for s, r in zip(saved["table_samples"], saved["table_rows"], strict=True)
        }
        return keys, matrix, rows
