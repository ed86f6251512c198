"""Bring-your-own data: CSV or JSONL files already in the normalized format.

In CSV files, value-set cells are lists such as ``["honesty", "trust"]``; JSONL files use JSON
arrays. The embedded demo data set is stored in this format too.
"""

from pathlib import Path

import pandas as pd

from valueprefs.data.listcells import parse_list_cell
from valueprefs.data.schema import (
    VALUE_SET_COLUMNS,
    data_row,
    require_columns,
    text_line,
    validate_dilemmas,
    validate_questions,
    validate_recognition,
    validate_vocabulary,
)
from valueprefs.errors import DataError
from valueprefs.io import read_csv, read_jsonl


def load_dilemma_file(path: str | Path) -> pd.DataFrame:
    """Normalized dilemmas from a ``.jsonl`` or ``.csv`` file."""
    source = str(path)
    if _is_jsonl(path):
        return validate_dilemmas(read_jsonl(path), source, text_line)
    frame = read_csv(path)
    require_columns(frame, VALUE_SET_COLUMNS, source)
    for column in VALUE_SET_COLUMNS:
        frame[column] = [_list_cell(cell, source, position, column) for position, cell in enumerate(frame[column])]
    return validate_dilemmas(frame, source)


def load_question_file(path: str | Path) -> pd.DataFrame:
    """Normalized open questions from a ``.jsonl`` or ``.csv`` file."""
    if _is_jsonl(path):
        return validate_questions(read_jsonl(path), str(path), text_line)
    return validate_questions(read_csv(path), str(path))


def load_recognition_file(path: str | Path) -> pd.DataFrame:
    """Normalized value-recognition situations from a ``.jsonl`` or ``.csv`` file."""
    source = str(path)
    if _is_jsonl(path):
        return validate_recognition(read_jsonl(path), source, text_line)
    frame = read_csv(path)
    require_columns(frame, ("values",), source)
    frame["values"] = [_list_cell(cell, source, position, "values") for position, cell in enumerate(frame["values"])]
    return validate_recognition(frame, source)


def load_vocabulary_file(path: str | Path) -> pd.DataFrame:
    """A value vocabulary from a CSV file with a ``value`` column and optional framework columns."""
    return validate_vocabulary(read_csv(path), str(path))


def _is_jsonl(path: str | Path) -> bool:
    suffix = Path(path).suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise DataError(str(path), f"unsupported file type {suffix!r}; use .csv or .jsonl")
    return suffix == ".jsonl"


def _list_cell(cell: object, source: str, position: int, column: str) -> list:
    try:
        return [name for name in parse_list_cell(cell) if name]
    except ValueError as error:
        raise DataError(source, str(error), f"{data_row(position)}, column '{column}'") from None
