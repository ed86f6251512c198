"""Annotation as separate steps over files: arguments -> values and specificity -> merge.

Each step is its own workflow job (so the Batch API rules can sit between a step's input and
the step): ``arguments`` reads the responses and writes the argument table; ``values`` and
``specificity`` read that table. Every step writes its audit records and its call counts;
``merge_steps`` joins them into the annotated argument table and its summary.
"""

from valueprefs.annotation.annotate import (
    Annotator,
    apply_primary_labels,
    label_specificity,
    label_values,
    summarize_labels,
)
from valueprefs.annotation.table import write_argument_table
from valueprefs.generation.requests import Request
from valueprefs.io import iter_jsonl, read_csv, read_json, write_json, write_jsonl
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates

STEPS = ("arguments", "values", "specificity")


def step_judges(judges: list[dict], step: str) -> list[dict]:
    """The judges doing ``step`` (for arguments: only the primary one, whose arguments are used)."""
    doing = [judge for judge in judges if step in judge["steps"]]
    return doing[:1] if step == "arguments" else doing


def active_steps(judges: list[dict], settings: dict) -> list[str]:
    """The steps some judge does (specificity also needs at least one prompt configured)."""
    wanted = {"arguments": True, "values": True, "specificity": bool(settings["specificity"])}
    return [step for step in STEPS if wanted[step] and step_judges(judges, step)]


def _annotator(judges, vocabulary_csv, settings, template_paths, cache_dir, planned=None) -> Annotator:
    vocabulary = list(read_csv(vocabulary_csv)["value"])
    templates = Templates.from_files(template_paths, JUDGE_TEMPLATE_NAMES)
    return Annotator(judges, vocabulary, settings, templates, cache_dir, planned)


def _step_input(step: str, source_path: str) -> list[dict]:
    """Responses that succeeded (arguments step) or the argument table (later steps)."""
    rows = [row for _, row in iter_jsonl(source_path, allow_empty=step != "arguments")]
    return [row for row in rows if row.get("status") == "ok"] if step == "arguments" else rows


def _label(annotator: Annotator, step: str, rows: list[dict]) -> list[dict] | None:
    """Run one step; the arguments step returns the argument table."""
    if step == "arguments":
        return annotator.arguments(rows)
    if step == "values":
        label_values(annotator, rows)
    else:
        label_specificity(annotator, rows)
    return None


def run_step(
    step: str,
    source_path: str,
    vocabulary_csv: str,
    judges: list[dict],
    settings: dict,
    template_paths: dict[str, str],
    cache_dir: str,
    out_labels: str,
    out_stats: str,
    out_arguments: str | None = None,
) -> dict:
    """One annotation step over a file: audit records, call counts and (arguments) the table."""
    rows = _step_input(step, source_path)
    annotator = _annotator(step_judges(judges, step), vocabulary_csv, settings, template_paths, cache_dir)
    table = _label(annotator, step, rows)
    if out_arguments is not None:
        write_jsonl(out_arguments, table or [])
    write_jsonl(out_labels, annotator.records)
    meters = {judge: meter.as_dict() for judge, meter in sorted(annotator.meters.items())}
    calls = sum(meter["completions"] for meter in meters.values())
    stats = {"step": step, "inputs": len(rows), "judge_calls": calls, "cache_hits": annotator.cache.hits}
    stats["meters"] = meters
    write_json(out_stats, stats)
    return stats


def plan_step_requests(
    step: str,
    judge: dict,
    source_path: str,
    vocabulary_csv: str,
    settings: dict,
    template_paths: dict[str, str],
    cache_dir: str,
) -> list[Request]:
    """The first-attempt requests ``judge`` makes in ``step`` (what a batch submits)."""
    planned: list[Request] = []
    annotator = _annotator([judge], vocabulary_csv, settings, template_paths, cache_dir, planned)
    _label(annotator, step, _step_input(step, source_path))
    return planned


def merge_steps(
    responses_path: str,
    arguments_path: str,
    labels_paths: list[str],
    stats_paths: list[str],
    judges: list[dict],
    out_arguments: str,
    out_labels: str,
    out_summary: str,
    out_table: str,
) -> dict:
    """Join the steps' records into the annotated argument table (JSONL and CSV), all records
    and a summary."""
    responses = _step_input("arguments", responses_path)
    arguments = [row for _, row in iter_jsonl(arguments_path, allow_empty=True)]
    records = [record for path in labels_paths for _, record in iter_jsonl(path, allow_empty=True)]
    stats = [read_json(path) for path in stats_paths]
    annotated = apply_primary_labels(arguments, records, judges)
    write_jsonl(out_arguments, annotated)
    write_argument_table(out_table, annotated)
    write_jsonl(out_labels, records)
    summary = summarize_labels(records, len(responses), len(arguments), stats)
    write_json(out_summary, summary)
    return summary
