"""Reading one model run's workflow files into ``RunInputs``."""

import re

from valueprefs.analysis.run import RunInputs
from valueprefs.annotation.table import read_argument_table
from valueprefs.data.tables import FRAMEWORK_COLUMNS
from valueprefs.io import iter_jsonl, read_csv
from valueprefs.preferences.long_form import load_positions

LONG_TASK = re.compile(r"long_k(\d+)$")


def read_rows(path: str) -> list[dict]:
    return [row for _, row in iter_jsonl(path, allow_empty=True)]


def framework_categories(vocabulary) -> dict[str, dict[str, str]]:
    """Framework column -> value -> category, for the vocabulary's framework columns."""
    frameworks = {}
    for column in FRAMEWORK_COLUMNS:
        if column in vocabulary:
            pairs = zip(vocabulary["value"], vocabulary[column], strict=True)
            categories = {value: category for value, category in pairs if isinstance(category, str) and category}
            if categories:
                frameworks[column] = categories
    return frameworks


def load_run_inputs(
    vocabulary_csv: str,
    items: dict[str, str],
    kinds: dict[str, str],
    responses: dict[str, dict[str, str]],
    arguments: dict[str, dict[str, tuple[str, str]]],
    recognition: dict[str, str],
    preference_sample: int,
) -> RunInputs:
    """``items``: data set -> items file (gold values for recognition data sets); ``responses``:
    data set -> short task -> responses file; ``arguments``: data set -> long task ->
    (annotated argument table, position matrix saved by the preferences rule);
    ``recognition``: data set -> recognized values file (rule ``recognized_values``).

    Of the argument table only the preference sample's rows are read (for the attributes);
    every sample's first positions come from the saved matrix."""
    vocabulary = read_csv(vocabulary_csv)
    values = list(vocabulary["value"])
    positions, tables = {}, {}
    for dataset, tasks in arguments.items():
        for task, (table_path, positions_path) in tasks.items():
            k = int(LONG_TASK.match(task).group(1))
            keys, matrix, rows = load_positions(positions_path, values)
            positions.setdefault(dataset, {})[k] = (keys, matrix)
            wanted = rows.get(preference_sample, (0, 0))
            tables.setdefault(dataset, {})[k] = read_argument_table(table_path, rows=wanted)
    return RunInputs(
        values=values,
        items={dataset: read_rows(path) for dataset, path in items.items()},
        kinds=kinds,
        decisions={
            dataset: {task: read_rows(path) for task, path in tasks.items()} for dataset, tasks in responses.items()
        },
        arguments=tables,
        positions=positions,
        recognized={
            dataset: {row["item_id"]: row["values"] for row in read_rows(path)} for dataset, path in recognition.items()
        },
        dropped_names={
            dataset: sum(len(row["dropped"]) for row in read_rows(path)) for dataset, path in recognition.items()
        },
        frameworks=framework_categories(vocabulary),
    )
