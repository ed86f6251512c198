"""A model's generation split into shards of items, and the shards merged back.

Shard ``i`` of ``n`` asks a contiguous range of each data set's items (in file order), so a
job fits a SLURM time limit and shards spread over GPUs. Merged, the response files are
byte-identical to those of one unsharded job: every call is the same (few-shot examples are
drawn from all items), and response rows are sorted by item and sample either way.
"""

from pathlib import Path

from valueprefs.data.schema import ID_FIELD
from valueprefs.io import iter_jsonl, read_json, write_json, write_jsonl
from valueprefs.planning import shard_of


def shard_item_ids(items: dict[str, tuple[str, list[dict]]], index: int, count: int) -> dict[str, set[str]]:
    """Item ids of shard ``index`` (0-based) of ``count`` per data set: a contiguous range of
    its items, the ranges of all shards covering every item once."""
    return {name: shard_of([row[ID_FIELD[kind]] for row in rows], index, count) for name, (kind, rows) in items.items()}


def merge_shards(
    shard_outputs: list[dict[tuple[str, str], str]],
    outputs: dict[tuple[str, str], str],
    shard_timings: list[str],
    timings_path: str,
    shard_summaries: list[str],
    summary_path: str,
) -> dict:
    """Join the shards' response files into ``outputs`` (rows sorted by item and sample, as
    one job writes them), their timings, and their summaries (counts added up)."""
    for key, path in outputs.items():
        rows = [row for shard in shard_outputs for _, row in iter_jsonl(shard[key], allow_empty=True)]
        write_jsonl(path, sorted(rows, key=lambda r: (r["item_id"], r["sample"])))
    write_jsonl(timings_path, [row for path in shard_timings for _, row in iter_jsonl(path, allow_empty=True)])
    summary: dict = {}
    for path in shard_summaries:
        summary = _added(summary, read_json(Path(path)))
    summary["shards"] = len(shard_summaries)
    write_json(summary_path, summary)
    return summary


def _added(total: dict, more: dict) -> dict:
    """Two summaries in one: numbers added, nested counts merged, labels kept."""
    joined = dict(total)
    for key, value in more.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, dict)):
            joined.setdefault(key, value)
        elif isinstance(value, dict):
            joined[key] = _added(joined.get(key, {}), value)
        else:
            joined[key] = round(joined.get(key, 0) + value, 3)
    return joined
