"""The preference rules' jobs: per model run, data set and task, one preference table per
sample and the evidence the analysis reads (the games of a short task, the first positions
of a long one); and the paper's Table 1.

Each job imports what only it uses inside its body: a job starts without loading the others'
libraries. The code digest follows what a job uses of this module wherever it is imported (see
``valueprefs.runtime.code_digest``).
"""

import logging

from valueprefs.io import atomic_write_text, iter_jsonl, read_values, write_csv
from valueprefs.tasks import GREEDY

log = logging.getLogger("valueprefs.preferences")


def write_short_preferences(
    source_path: str,
    items_path: str,
    vocabulary_csv: str,
    outputs: dict[int, str],
    spread: dict[str, int],
    out_evidence: str,
) -> dict[int, dict]:
    """A short task's preferences per sample: TrueSkill over the sample's decisions (mu, sigma)
    and the logistic batch estimator beside it (``logistic``, ``logistic_se``).

    ``source_path`` is the responses file; ``outputs`` maps sample -> CSV path; ``spread``
    holds ``shuffles`` and ``seed``: the spread over shuffled game orders is computed for the
    greedy answers, the ones the analysis reads (generation asks a short task nothing else).
    Each sample's games and decisions go to ``out_evidence`` for the analysis rule, which
    recomputes nothing from the raw files."""
    import pandas as pd

    from valueprefs.preferences.logistic import logistic_preferences
    from valueprefs.preferences.short_form import (
        ShortEvidence,
        decision_games,
        dilemma_sides,
        save_games,
        short_form_tables,
    )

    values = read_values(vocabulary_csv)
    items = [item for _, item in iter_jsonl(items_path)]
    responses = pd.DataFrame([row for _, row in iter_jsonl(source_path, allow_empty=True)])
    sides = dilemma_sides(items, {value: i for i, value in enumerate(values)})
    games, evidence, counts = {}, {}, {}
    for sample in outputs:
        rows = responses[responses["sample"] == sample] if len(responses) else responses
        decisions = dict(zip(rows.get("item_id", []), rows.get("decision", []), strict=True))
        games[sample], positions, counts[sample] = decision_games(sides, decisions)
        evidence[sample] = ShortEvidence(games[sample], positions, decisions)
    save_games(out_evidence, evidence, values)
    tables = short_form_tables(games, values, spread["shuffles"], spread["seed"], GREEDY)
    for sample, table in tables.items():
        table["logistic"], table["logistic_se"], _ = logistic_preferences(games[sample], len(values))
        write_csv(outputs[sample], table)
    _log_counts(source_path, counts)
    return counts


def write_long_preferences(
    source_path: str, vocabulary_csv: str, outputs: dict[int, str], out_evidence: str
) -> dict[int, dict]:
    """A long task's preferences per sample from argument order (``source_path``: the annotated
    argument table; ``outputs``: sample -> CSV path). Every response's first positions go to
    ``out_evidence`` for the analysis rule."""
    import numpy as np

    from valueprefs.annotation.argument_table import read_argument_table, sample_rows
    from valueprefs.preferences.long_form import long_form_frame, position_matrix, save_positions

    values = read_values(vocabulary_csv)
    arguments = read_argument_table(source_path, text=False)
    keys, matrix = position_matrix(arguments, {value: i for i, value in enumerate(values)})
    lengths = arguments.groupby(["item_id", "sample"])["n_arguments"].first().reindex(keys).to_numpy()
    save_positions(out_evidence, keys, matrix, lengths, values, sample_rows(arguments["sample"].to_numpy()))
    samples = np.array([sample for _, sample in keys], dtype=np.int64)
    counts = {}
    for sample, path in outputs.items():
        write_csv(path, long_form_frame(matrix[samples == sample], values))
        counts[sample] = {"responses": int((samples == sample).sum())}
    _log_counts(source_path, counts)
    return counts


def _log_counts(source_path: str, counts: dict[int, dict]) -> None:
    for sample, sample_counts in counts.items():
        log.info("%s sample %d: %s", source_path, sample, sample_counts)


def write_table1(out_csv: str, out_markdown: str):
    """The paper's Table 1 recomputed with the TrueSkill estimator, as CSV and in the paper's layout."""
    from valueprefs.preferences.table1 import table1, table1_markdown

    frame = table1()
    write_csv(out_csv, frame)
    atomic_write_text(out_markdown, table1_markdown(frame))
    return frame
