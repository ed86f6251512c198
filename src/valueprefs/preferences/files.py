"""One preference table per model run, data set, task and sample (the workflow's rule)."""

import logging

from valueprefs.io import iter_jsonl, read_csv, write_csv
from valueprefs.preferences.long_form import long_form_table
from valueprefs.preferences.short_form import decision_games, short_form_table

log = logging.getLogger("valueprefs.preferences")


def write_preferences(
    task: str,
    source_path: str,
    items_path: str,
    vocabulary_csv: str,
    sample: int,
    shuffles: int,
    seed: int,
    out_csv: str,
) -> dict:
    """Short tasks: TrueSkill over the sample's decisions; long tasks: argument order."""
    values = list(read_csv(vocabulary_csv)["value"])
    rows = [row for _, row in iter_jsonl(source_path, allow_empty=True) if row["sample"] == sample]
    if task.startswith("long_"):
        frame = long_form_table(rows, values)
        counts = {"responses": len({(r["item_id"], r["sample"]) for r in rows}), "arguments": len(rows)}
    else:
        items = [item for _, item in iter_jsonl(items_path)]
        decisions = {row["item_id"]: row.get("decision") for row in rows}
        games, _, counts = decision_games(items, decisions, {value: i for i, value in enumerate(values)})
        frame = short_form_table(games, values, shuffles, seed)
    write_csv(out_csv, frame)
    log.info("%s sample %d: %s", task, sample, counts)
    return counts
