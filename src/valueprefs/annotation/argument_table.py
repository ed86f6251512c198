"""The annotated arguments as a CSV table, the analysis rules' fast-to-read input.

Same rows as the annotation's JSONL file, ordered by sample (so one sample's rows can be
read alone); value lists are joined with ``|`` (no vocabulary
value contains it) and stay joined when read back: ``value_columns`` turns a whole column
into vocabulary indices with one split, several times faster than a list per row. That
matters at paper scale (hundreds of thousands of arguments per run).
"""

import numpy as np
import pandas as pd

from valueprefs.errors import DataError
from valueprefs.io import require_file, write_csv
from valueprefs.metrics import SPECIFICITY_COLUMNS

COLUMNS = ["item_id", "sample", "position", "n_arguments", "argument", "values"]
SPECIFICITY = list(SPECIFICITY_COLUMNS)
SEPARATOR = "|"


def write_argument_table(path: str, arguments: list[dict]) -> None:
    """Write argument rows (``values`` lists joined) with every specificity column present."""
    frame = pd.DataFrame(arguments, columns=COLUMNS + SPECIFICITY)
    for values in frame["values"]:
        if any(SEPARATOR in value for value in values or []):
            raise DataError(path, f"a value name contains {SEPARATOR!r}: {values!r}")
    frame["values"] = [SEPARATOR.join(values or []) for values in frame["values"]]
    for column in SPECIFICITY:
        frame[column] = frame[column].astype("Int64")
    write_csv(path, frame.sort_values("sample", kind="stable"))


def sample_rows(samples: np.ndarray) -> dict[int, tuple[int, int]]:
    """(first row, row count) of each sample in a table ordered by sample."""
    found, starts, counts = np.unique(samples, return_index=True, return_counts=True)
    return {int(s): (int(start), int(count)) for s, start, count in zip(found, starts, counts, strict=True)}


def read_argument_table(path: str, text: bool = True, rows: tuple[int, int] | None = None) -> pd.DataFrame:
    """The table with ``values`` as ``|``-joined names and specificity levels as floats
    (NaN: none); ``text=False`` skips the argument texts (when only positions matter);
    ``rows`` = (first row, count) reads only those rows (see ``sample_rows``)."""
    require_file(path, allow_empty=True)
    wanted = [column for column in COLUMNS + SPECIFICITY if text or column != "argument"]
    try:
        header = pd.read_csv(path, nrows=0).columns
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=wanted)
    missing = [column for column in wanted if column not in header]
    if missing:
        raise DataError(path, f"missing column(s) {', '.join(missing)}")
    dtypes = {"item_id": str, "argument": str, "values": str}
    window = {"skiprows": range(1, rows[0] + 1), "nrows": rows[1]} if rows else {}
    frame = pd.read_csv(path, usecols=wanted, dtype=dtypes, keep_default_na=False, **window)
    for column in SPECIFICITY:
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce")
    return frame


def value_columns(values: pd.Series | list, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """For every value name of every row (lists, or ``|``-joined strings as read from the
    table): the row it belongs to and its column in ``index`` (-1: not in the vocabulary)."""
    cells = values.tolist() if isinstance(values, pd.Series) else list(values)
    if cells and isinstance(cells[0], str):  # a column read from the table: all joined strings
        counts = [cell.count(SEPARATOR) + 1 if cell else 0 for cell in cells]
        names = SEPARATOR.join(cell for cell in cells if cell).split(SEPARATOR) if any(counts) else []
    else:
        counts = [len(cell) if isinstance(cell, list) else 0 for cell in cells]
        names = [name for cell in cells if isinstance(cell, list) for name in cell]
    rows = np.repeat(np.arange(len(cells)), counts)
    columns = np.fromiter((index.get(name, -1) for name in names), dtype=np.int64, count=len(names))
    return rows, columns
