"""Reading one model run's workflow files into ``RunInputs``."""

import re

from valueprefs.analysis.run import RunInputs
from valueprefs.io import iter_jsonl, read_csv

LONG_TASK = re.compile(r"long_k(\d+)$")


def read_rows(path: str) -> list[dict]:
    return [row for _, row in iter_jsonl(path, allow_empty=True)]


def load_run_inputs(
    vocabulary_csv: str,
    items: dict[str, str],
    kinds: dict[str, str],
    responses: dict[str, dict[str, str]],
    arguments: dict[str, dict[str, str]],
) -> RunInputs:
    """``items``: data set -> items file; ``responses``: data set -> short task -> responses
    file; ``arguments``: data set -> long task -> annotated argument file."""
    return RunInputs(
        values=list(read_csv(vocabulary_csv)["value"]),
        items={dataset: read_rows(path) for dataset, path in items.items()},
        kinds=kinds,
        decisions={
            dataset: {task: read_rows(path) for task, path in tasks.items()} for dataset, tasks in responses.items()
        },
        arguments={
            dataset: {int(LONG_TASK.match(task).group(1)): read_rows(path) for task, path in tasks.items()}
            for dataset, tasks in arguments.items()
        },
    )
