"""One annotation step over a file's rows: the annotator for its judges, its input, its labels."""

from valueprefs.annotation.annotator import Annotator, label_specificity, label_values
from valueprefs.io import iter_jsonl, read_values
from valueprefs.llm.requests import Request
from valueprefs.planning import shard_of
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates


def step_annotator(
    judges: list[dict],
    vocabulary_csv: str,
    settings: dict,
    template_paths: dict[str, str],
    cache_dir: str,
    planned: list[Request] | None = None,
) -> Annotator:
    """An annotator for ``judges`` (with ``planned``, one that only records its requests)."""
    vocabulary = read_values(vocabulary_csv)
    templates = Templates.from_files(template_paths, JUDGE_TEMPLATE_NAMES)
    return Annotator(judges, vocabulary, settings, templates, cache_dir, planned)


def step_input(step: str, source_path: str) -> list[dict]:
    """Responses that succeeded (arguments step) or the argument table (later steps)."""
    rows = [row for _, row in iter_jsonl(source_path, allow_empty=step != "arguments")]
    return [row for row in rows if row.get("status") == "ok"] if step == "arguments" else rows


def annotated_input(
    step: str, source_path: str, settings: dict, shard: tuple[int, int] = (0, 1)
) -> tuple[list[dict], int]:
    """The rows a step annotates, and how many responses it left out because they stopped at
    the token limit (the arguments step, with ``exclude_truncated``). The arguments step of
    shard ``(i, n)`` takes the i-th contiguous range of the file's items; later steps read
    their shard's argument table."""
    rows = step_input(step, source_path)
    if step == "arguments" and shard != (0, 1):
        taken = shard_of([row["item_id"] for row in rows], *shard)
        rows = [row for row in rows if row["item_id"] in taken]
    if step != "arguments" or not settings["exclude_truncated"]:
        return rows, 0
    kept = [row for row in rows if not truncated(row)]
    return kept, len(rows) - len(kept)


def truncated(response: dict) -> bool:
    """Whether a response stopped at the token limit (``finish_reason: length``)."""
    return response.get("finish_reason") == "length"


def label_step(annotator: Annotator, step: str, rows: list[dict]) -> list[dict] | None:
    """Run one step; the arguments step returns the argument table."""
    if step == "arguments":
        return annotator.arguments(rows)
    if step == "values":
        label_values(annotator, rows)
    else:
        label_specificity(annotator, rows)
    return None
