"""A model's generation split into shards of items, and the shards' summaries added up.

Shard ``i`` of ``n`` asks a contiguous range of each data set's items (in file order), so a
job fits a SLURM time limit and shards spread over GPUs. Merged (``jobs.merge_model_shards``),
the response files are byte-identical to those of one unsharded job: every call is the same
(few-shot examples are drawn from all items), and response rows are sorted by item and sample
either way.
"""

from valueprefs.data.schema import ID_FIELD
from valueprefs.planning import shard_of


def shard_item_ids(items: dict[str, tuple[str, list[dict]]], index: int, count: int) -> dict[str, set[str]]:
    """Item ids of shard ``index`` (0-based) of ``count`` per data set: a contiguous range of
    its items, the ranges of all shards covering every item once."""
    return {name: shard_of([row[ID_FIELD[kind]] for row in rows], index, count) for name, (kind, rows) in items.items()}


def added_summaries(total: dict, more: dict) -> dict:
    """Two summaries in one: numbers added, nested counts merged, labels kept."""
    joined = dict(total)
    for key, value in more.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, dict)):
            joined.setdefault(key, value)
        elif isinstance(value, dict):
            joined[key] = added_summaries(joined.get(key, {}), value)
        else:
            joined[key] = round(joined.get(key, 0) + value, 3)
    return joined
