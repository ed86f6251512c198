"""What one model run's analysis reads: the preference rules' evidence (each short task's games
and decisions, each long task's first positions), the annotated arguments, recognized values,
the data sets and the vocabulary."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valueprefs.annotation.argument_table import read_argument_table
from valueprefs.data.schema import FRAMEWORK_COLUMNS
from valueprefs.io import iter_jsonl, read_csv
from valueprefs.preferences.long_form import load_positions
from valueprefs.preferences.short_form import ShortEvidence, load_games
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.truth import read_truth
from valueprefs.tasks import GREEDY, Task


@dataclass
class RunInputs:
    """What one model run produced, keyed by data set (and task or k)."""

    values: list[str]
    items: dict[str, list[dict]]  # data set -> items in data-set order
    kinds: dict[str, str]  # data set -> dilemmas | questions | recognition
    short: dict[str, dict[str, ShortEvidence]]  # data set -> short task -> its greedy answers' evidence
    arguments: dict[str, dict[int, pd.DataFrame]]  # data set -> k -> the preference sample's arguments
    positions: dict[str, dict[int, tuple]]  # data set -> k -> (response keys, first-position matrix)
    recognized: dict[str, dict[str, list[str]]]  # recognition data set -> situation -> values
    dropped_names: dict[str, int]  # recognition data set -> names that matched no value
    frameworks: dict[str, dict[str, str]]  # framework -> value -> category
    control: ControlParams | None = None  # a control's planted parameters ...
    truth: dict[str, np.ndarray] | None = None  # ... and latents (short_latent, long_latent) by value


def read_rows(path: str) -> list[dict]:
    return [row for _, row in iter_jsonl(path, allow_empty=True)]


def framework_categories(vocabulary: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Framework column -> value -> category, for the vocabulary's framework columns."""
    frameworks = {}
    for column in FRAMEWORK_COLUMNS:
        if column in vocabulary:
            pairs = zip(vocabulary["value"], vocabulary[column], strict=True)
            categories = {value: category for value, category in pairs if isinstance(category, str) and category}
            if categories:
                frameworks[column] = categories
    return frameworks


@dataclass(frozen=True)
class RunFiles:
    """The files one model run's analysis reads. ``items``: data set -> items file (gold values
    for recognition data sets); ``kinds``: data set -> its kind; ``short``: data set -> short
    task -> games file saved by the preferences rule; ``long``: data set -> long task ->
    (annotated argument table, positions file saved by the preferences rule);
    ``recognition``: data set -> recognized values file (rule ``recognized_values``);
    ``truth``: a control's planted truth (rule ``control_truth``), else None."""

    vocabulary: str
    items: dict[str, str]
    kinds: dict[str, str]
    short: dict[str, dict[str, str]]
    long: dict[str, dict[str, tuple[str, str]]]
    recognition: dict[str, str]
    truth: str | None = None


def load_run_inputs(files: RunFiles, preference_sample: int, limits: dict[str, int]) -> RunInputs:
    """What one model run's analysis reads from ``files``; ``limits``: data set -> how many of
    its first items the model answered (the items resampled).

    Of the argument table only the preference sample's rows are read (for the attributes);
    every sample's first positions come from the saved matrix. A short task's games are those of
    its greedy answers whatever the preference sample: generation asks a short task nothing else
    (``valueprefs.tasks.GREEDY``)."""
    vocabulary = read_csv(files.vocabulary)
    values = list(vocabulary["value"])
    positions, tables = {}, {}
    for dataset, tasks in files.long.items():
        for task, (table_path, positions_path) in tasks.items():
            k = Task.parse(task).k
            keys, matrix, rows = load_positions(positions_path, values)
            positions.setdefault(dataset, {})[k] = (keys, matrix)
            wanted = rows.get(preference_sample, (0, 0))
            tables.setdefault(dataset, {})[k] = read_argument_table(table_path, rows=wanted)
    recognized = {dataset: read_rows(path) for dataset, path in files.recognition.items()}
    control, truth = read_truth(read_csv(files.truth), values) if files.truth else (None, None)
    return RunInputs(
        values=values,
        items={dataset: read_rows(path)[: limits.get(dataset)] for dataset, path in files.items.items()},
        kinds=files.kinds,
        short={
            dataset: {task: load_games(path, GREEDY, values) for task, path in tasks.items()}
            for dataset, tasks in files.short.items()
        },
        arguments=tables,
        positions=positions,
        recognized={dataset: {row["item_id"]: row["values"] for row in rows} for dataset, rows in recognized.items()},
        dropped_names={dataset: sum(len(row["dropped"]) for row in rows) for dataset, rows in recognized.items()},
        frameworks=framework_categories(vocabulary),
        control=control,
        truth=truth,
    )
