"""Long-form preferences from the order of arguments (section 2.3).

For a response, a value's normalized position is the 1-based position of the first argument
carrying it divided by the response's number of arguments. A value's preference is minus the
mean normalized position over the responses that carry it.
"""

import numpy as np
import pandas as pd


def position_matrix(arguments: list[dict], index: dict[str, int]) -> tuple[list[tuple], np.ndarray]:
    """Responses (item id, sample) and their normalized first positions (NaN: value absent)."""
    responses: dict[tuple, dict[int, float]] = {}
    for argument in arguments:
        key = (argument["item_id"], argument["sample"])
        first = responses.setdefault(key, {})
        position = argument["position"] / argument["n_arguments"]
        for value in argument.get("values") or []:
            column = index.get(value)
            if column is not None and position < first.get(column, np.inf):
                first[column] = position
    keys = sorted(responses)
    matrix = np.full((len(keys), len(index)), np.nan)
    for row, key in enumerate(keys):
        for column, position in responses[key].items():
            matrix[row, column] = position
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


def long_form_table(arguments: list[dict], values: list[str]) -> pd.DataFrame:
    """Per value: its long-form preference and the number of responses that carry it."""
    _, matrix = position_matrix(arguments, {value: i for i, value in enumerate(values)})
    preference, counts = long_form_scores(matrix)
    return pd.DataFrame({"value": values, "preference": preference[0], "responses": counts[0].astype(int)})
