"""Preference tables of one model run, data set and task: one file per sample (the rule)."""

import logging

import numpy as np
import pandas as pd

from valueprefs.annotation.table import read_argument_table, sample_rows
from valueprefs.io import iter_jsonl, read_csv, write_csv
from valueprefs.preferences.logistic import logistic_preferences
from valueprefs.preferences.long_form import long_form_frame, position_matrix, save_positions
from valueprefs.preferences.short_form import decision_games, dilemma_sides, short_form_tables

log = logging.getLogger("valueprefs.preferences")


def write_preferences(
    task: str,
    source_path: str,
    items_path: str,
    vocabulary_csv: str,
    outputs: dict[int, str],
    shuffles: int,
    seed: int,
    preference_sample: int = 0,
    out_positions: str | None = None,
) -> dict[int, dict]:
    """Short tasks: TrueSkill over each sample's decisions (mu, sigma), and the logistic batch
    estimator beside it (``logistic``, ``logistic_se``); long tasks: argument order.

    ``source_path`` is the responses file (short) or the annotated argument table (long);
    ``outputs`` maps sample -> CSV path. The source is read once for all samples. The spread
    over shuffled game orders is computed for the preference sample. Long tasks also save the
    position matrix of every response (``out_positions``) for the analysis rule.
    """
    values = list(read_csv(vocabulary_csv)["value"])
    counts = {}
    if task.startswith("long_"):
        arguments = read_argument_table(source_path, text=False)
        keys, matrix = position_matrix(arguments, {value: i for i, value in enumerate(values)})
        if out_positions:
            lengths = arguments.groupby(["item_id", "sample"])["n_arguments"].first().reindex(keys).to_numpy()
            save_positions(out_positions, keys, matrix, lengths, values, sample_rows(arguments["sample"].to_numpy()))
        samples = np.array([sample for _, sample in keys], dtype=np.int64)
        for sample, path in outputs.items():
            write_csv(path, long_form_frame(matrix[samples == sample], values))
            counts[sample] = {"responses": int((samples == sample).sum())}
    else:
        items = [item for _, item in iter_jsonl(items_path)]
        responses = pd.DataFrame([row for _, row in iter_jsonl(source_path, allow_empty=True)])
        sides = dilemma_sides(items, {value: i for i, value in enumerate(values)})
        games = {}
        for sample in outputs:
            rows = responses[responses["sample"] == sample] if len(responses) else responses
            decisions = dict(zip(rows.get("item_id", []), rows.get("decision", []), strict=True))
            games[sample], _, counts[sample] = decision_games(sides, decisions)
        for sample, table in short_form_tables(games, values, shuffles, seed, preference_sample).items():
            table["logistic"], table["logistic_se"], _ = logistic_preferences(games[sample], len(values))
            write_csv(outputs[sample], table)
    for sample, sample_counts in counts.items():
        log.info("%s sample %d: %s", task, sample, sample_counts)
    return counts
