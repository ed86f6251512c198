"""The normalized tables every data source is converted to, and their validation.

- dilemmas: ``dilemma_id, situation, action_to_do, action_not_to_do, values_to_do,
  values_not_to_do`` (the last two are lists of value names);
- vocabulary: ``value`` plus framework columns (``WVS, MFT, Virtue, Emotion, Maslow``);
- questions: ``question_id, question, topic``;
- recognition: ``situation_id, situation, values`` (gold value names; value recognition).
"""

from collections import Counter
from collections.abc import Callable

import pandas as pd

from valueprefs.errors import DataError
from valueprefs.io import read_jsonl

DILEMMA_COLUMNS = (
    "dilemma_id",
    "situation",
    "action_to_do",
    "action_not_to_do",
    "values_to_do",
    "values_not_to_do",
)
VALUE_SET_COLUMNS = ("values_to_do", "values_not_to_do")
QUESTION_COLUMNS = ("question_id", "question", "topic")
RECOGNITION_COLUMNS = ("situation_id", "situation", "values")
ID_FIELD = {"dilemmas": "dilemma_id", "questions": "question_id", "recognition": "situation_id"}
FRAMEWORK_COLUMNS = ("WVS", "MFT", "Virtue", "Emotion", "Maslow")

RowLabel = Callable[[int], str]


def data_row(position: int) -> str:
    """Label of a CSV data row (1-based, header not counted)."""
    return f"row {position + 1}"


def text_line(position: int) -> str:
    """Label of a JSONL line (1-based)."""
    return f"line {position + 1}"


def require_columns(frame: pd.DataFrame, required: tuple[str, ...], source: str) -> None:
    """Fail naming the missing columns when ``frame`` lacks any of ``required``."""
    if frame.empty and not len(frame.columns):
        raise DataError(source, "file is empty")
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise DataError(
            source,
            f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}",
        )
    if frame.empty:
        raise DataError(source, "file has a header but no rows")


def require_unique(frame: pd.DataFrame, column: str, source: str, label: RowLabel) -> None:
    """Fail at the first repeated id in ``column``."""
    repeated = frame[column].duplicated()
    if repeated.any():
        position = int(repeated.to_numpy().nonzero()[0][0])
        value = frame[column].iloc[position]
        raise DataError(source, f"duplicate {column} {value!r}", f"{label(position)}, column '{column}'")


def require_text(frame: pd.DataFrame, columns: tuple[str, ...], source: str, label: RowLabel) -> None:
    """Fail at the first cell of ``columns`` that is not a non-empty string."""
    for column in columns:
        for position, value in enumerate(frame[column]):
            if not isinstance(value, str) or not value.strip():
                raise DataError(
                    source, f"expected non-empty text, got {value!r}", f"{label(position)}, column '{column}'"
                )


def require_value_lists(frame: pd.DataFrame, source: str, label: RowLabel) -> None:
    """Fail at the first value-set cell that is not a non-empty list of names."""
    for column in VALUE_SET_COLUMNS:
        for position, value in enumerate(frame[column]):
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
                raise DataError(
                    source,
                    f"expected a non-empty list of value names, got {value!r}",
                    f"{label(position)}, column '{column}'",
                )


def validate_dilemmas(frame: pd.DataFrame, source: str, label: RowLabel = data_row) -> pd.DataFrame:
    """Check a dilemma table and return it with exactly the normalized columns, ids as text."""
    require_columns(frame, DILEMMA_COLUMNS, source)
    frame = frame.loc[:, list(DILEMMA_COLUMNS)].reset_index(drop=True)
    frame["dilemma_id"] = frame["dilemma_id"].map(_id_text)
    require_unique(frame, "dilemma_id", source, label)
    require_text(frame, DILEMMA_COLUMNS[:4], source, label)
    require_value_lists(frame, source, label)
    for column in VALUE_SET_COLUMNS:
        frame[column] = frame[column].map(lambda names: [normalize_value_name(n) for n in names])
    return frame


def validate_questions(frame: pd.DataFrame, source: str, label: RowLabel = data_row) -> pd.DataFrame:
    """Check a question table and return it with exactly the normalized columns."""
    require_columns(frame, QUESTION_COLUMNS, source)
    frame = frame.loc[:, list(QUESTION_COLUMNS)].reset_index(drop=True)
    frame["question_id"] = frame["question_id"].map(_id_text)
    require_unique(frame, "question_id", source, label)
    require_text(frame, QUESTION_COLUMNS, source, label)
    return frame


def validate_recognition(frame: pd.DataFrame, source: str, label: RowLabel = data_row) -> pd.DataFrame:
    """Check a value-recognition table: situations with their gold value names."""
    require_columns(frame, RECOGNITION_COLUMNS, source)
    frame = frame.loc[:, list(RECOGNITION_COLUMNS)].reset_index(drop=True)
    frame["situation_id"] = frame["situation_id"].map(_id_text)
    require_unique(frame, "situation_id", source, label)
    require_text(frame, RECOGNITION_COLUMNS[:2], source, label)
    for position, names in enumerate(frame["values"]):
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise DataError(
                source, f"expected a list of value names, got {names!r}", f"{label(position)}, column 'values'"
            )
    frame["values"] = frame["values"].map(lambda names: sorted({normalize_value_name(n) for n in names}))
    return frame


def validate_vocabulary(frame: pd.DataFrame, source: str, label: RowLabel = data_row) -> pd.DataFrame:
    """Check a value vocabulary; framework columns are optional and empty cells become ``""``."""
    require_columns(frame, ("value",), source)
    columns = ["value"] + [c for c in FRAMEWORK_COLUMNS if c in frame.columns]
    frame = frame.loc[:, columns].reset_index(drop=True)
    require_text(frame, ("value",), source, label)
    frame["value"] = frame["value"].map(normalize_value_name)
    require_unique(frame, "value", source, label)
    for column in columns[1:]:
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    return frame


def normalize_value_name(name: str) -> str:
    """Canonical spelling of a value name: lower case, single spaces."""
    return " ".join(name.lower().split())


def restrict_to_vocabulary(dilemmas: pd.DataFrame, vocabulary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Drop value names outside the vocabulary, and dilemmas left with an empty value set.

    Returns the kept dilemmas and a report counting every drop, so nothing is lost silently.
    """
    known = set(vocabulary["value"])
    unknown: Counter[str] = Counter()
    kept_rows = []
    dropped_dilemmas = []
    for row in dilemmas.to_dict("records"):
        for column in VALUE_SET_COLUMNS:
            unknown.update(v for v in row[column] if v not in known)
            row[column] = [v for v in row[column] if v in known]
        if row["values_to_do"] and row["values_not_to_do"]:
            kept_rows.append(row)
        else:
            dropped_dilemmas.append(row["dilemma_id"])
    report = {
        "unknown_value_mentions": sum(unknown.values()),
        "unknown_values": dict(sorted(unknown.items())),
        "dilemmas_dropped_for_empty_value_set": dropped_dilemmas,
    }
    return pd.DataFrame(kept_rows, columns=list(DILEMMA_COLUMNS)), report


def _id_text(value: object) -> str:
    """Ids are compared as text; whole-number floats from CSV lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_items(path: str, kind: str) -> pd.DataFrame:
    """Read normalized items written by :func:`prepare_dataset`."""
    validate = {"dilemmas": validate_dilemmas, "questions": validate_questions, "recognition": validate_recognition}
    return validate[kind](read_jsonl(path), path, text_line)
