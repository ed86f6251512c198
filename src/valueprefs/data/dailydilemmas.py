"""DailyDilemmas (Chiu, Jiang, Choi 2024) in its upstream formats, normalized.

Two upstream layouts carry the per-action annotations:
- ``dilemmas_with_detail_by_action*.csv`` (column ``idx``, value names in ``values_names``);
- the Hugging Face dataset ``kellycyy/daily_dilemmas``, subset
  ``Dilemmas_with_values_aggregated`` (column ``dilemma_idx``, names in ``values_aggregated``).
Both store one row per action (``action_type`` is ``to_do`` or ``not_to_do``) and lists as
Python reprs, which are parsed without evaluation.
"""

from pathlib import Path

import pandas as pd

from valueprefs.data.listcells import parse_list_cell
from valueprefs.data.schema import (
    data_row,
    require_columns,
    require_unique,
    validate_dilemmas,
    validate_vocabulary,
)
from valueprefs.errors import DataError
from valueprefs.io import read_csv

ACTION_FILE_PATTERNS = ("dilemmas_with_detail_by_action*.csv", "dilemma_to_action_to_values_aggregated.csv")
HUB_DILEMMA_SUBSET = "Dilemmas_with_values_aggregated"
HUB_VALUES_SUBSET = "Values"
ID_COLUMNS = ("idx", "dilemma_idx")
VALUE_LIST_COLUMNS = ("values_names", "values_aggregated")


def load_situations(directory: str | Path) -> pd.DataFrame:
    """All situations of ``dilemma.csv``: ``dilemma_id, basic_situation, situation``."""
    source = Path(directory) / "dilemma.csv"
    frame = read_csv(source)
    require_columns(frame, ("idx", "basic_situation", "dilemma_situation"), str(source))
    frame["idx"] = frame["idx"].str.strip()
    require_unique(frame, "idx", str(source), data_row)
    situations = pd.DataFrame(
        {
            "dilemma_id": frame["idx"],
            "basic_situation": frame["basic_situation"],
            "situation": frame["dilemma_situation"],
        }
    )
    return situations


def load_local_values(directory: str | Path) -> pd.DataFrame:
    """The value vocabulary of ``values.csv`` (301 values with framework columns)."""
    source = Path(directory) / "values.csv"
    return validate_vocabulary(read_csv(source), str(source))


def find_action_file(directory: str | Path) -> Path:
    """The per-action annotation file inside an upstream directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(str(directory), "directory not found")
    for pattern in ACTION_FILE_PATTERNS:
        matches = sorted(directory.glob(pattern))
        if matches:
            return matches[0]
    raise DataError(str(directory), f"no per-action annotation file ({' or '.join(ACTION_FILE_PATTERNS)})")


def load_local_dilemmas(directory: str | Path) -> tuple[pd.DataFrame, dict]:
    """Normalized dilemmas from an upstream directory, with a report of situations left out.

    Situations listed in ``dilemma.csv`` but absent from the per-action file have no actions
    or values, so they cannot be asked; they are counted in the report, never dropped silently.
    """
    action_file = find_action_file(directory)
    dilemmas = actions_to_dilemmas(read_csv(action_file), str(action_file))
    report: dict = {"action_file": action_file.name}
    if (Path(directory) / "dilemma.csv").exists():
        situations = load_situations(directory)
        report["situations"] = len(situations)
        report["situations_without_actions"] = len(set(situations["dilemma_id"]) - set(dilemmas["dilemma_id"]))
    return dilemmas, report


def actions_to_dilemmas(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Pair the ``to_do`` and ``not_to_do`` rows of each dilemma into one normalized row."""
    id_column = _first_present(frame, ID_COLUMNS, source)
    values_column = _first_present(frame, VALUE_LIST_COLUMNS, source)
    require_columns(frame, (id_column, "dilemma_situation", "action_type", "action", values_column), source)
    pairs: dict[str, dict] = {}
    for position, row in enumerate(frame.to_dict("records")):
        where = data_row(position)
        dilemma_id = str(row[id_column]).strip()
        action_type = str(row["action_type"]).strip()
        if action_type not in ("to_do", "not_to_do"):
            raise DataError(
                source, f"action_type must be to_do or not_to_do, got {action_type!r}", f"{where}, column 'action_type'"
            )
        try:
            names = [name for name in parse_list_cell(row[values_column]) if name]
        except ValueError as error:
            raise DataError(source, str(error), f"{where}, column '{values_column}'") from None
        entry = pairs.setdefault(
            dilemma_id, {"dilemma_id": dilemma_id, "situation": row["dilemma_situation"], "_first": where}
        )
        if f"action_{action_type}" in entry:
            raise DataError(source, f"second {action_type} action for dilemma {dilemma_id!r}", where)
        entry[f"action_{action_type}"] = row["action"]
        entry[f"values_{action_type}"] = names
    for entry in pairs.values():
        for action_type in ("to_do", "not_to_do"):
            if f"action_{action_type}" not in entry:
                raise DataError(source, f"dilemma {entry['dilemma_id']!r} has no {action_type} action", entry["_first"])
    return validate_dilemmas(pd.DataFrame(list(pairs.values())), source)


def load_hub_dilemmas(repo_id: str) -> tuple[pd.DataFrame, dict]:
    """Normalized dilemmas from the Hugging Face dataset (needs ``datasets`` and network)."""
    frame = _hub_table(repo_id, HUB_DILEMMA_SUBSET)
    return actions_to_dilemmas(frame, f"{repo_id}:{HUB_DILEMMA_SUBSET}"), {"hub": repo_id}


def load_hub_values(repo_id: str) -> pd.DataFrame:
    """The value vocabulary from the Hugging Face dataset (needs ``datasets`` and network)."""
    return validate_vocabulary(_hub_table(repo_id, HUB_VALUES_SUBSET), f"{repo_id}:{HUB_VALUES_SUBSET}")


def _hub_table(repo_id: str, subset: str) -> pd.DataFrame:
    source = f"{repo_id}:{subset}"
    try:
        import datasets
    except ImportError:
        raise DataError(
            source, "source 'huggingface' needs the 'datasets' package (pip install 'valueprefs[hub]')"
        ) from None
    try:
        table = datasets.load_dataset(repo_id, subset, split="test").to_pandas()
    except Exception as error:  # the hub client raises many types; all mean "not loadable"
        raise DataError(
            source,
            f"cannot load from the Hugging Face hub ({type(error).__name__}: {error}); "
            "when offline, use source 'local' with a directory of upstream files",
        ) from None
    return table.astype({column: str for column in table.columns if column in ID_COLUMNS})


def _first_present(frame: pd.DataFrame, candidates: tuple[str, ...], source: str) -> str:
    for column in candidates:
        if column in frame.columns:
            return column
    raise DataError(
        source, f"missing column: one of {', '.join(candidates)}; found {', '.join(map(str, frame.columns))}"
    )
