"""The annotation rules' jobs: steps over a response file, their merge, Batch API submit and
collect, value standardization (gold and recognized values) and judge agreement.

A rule's code digest covers what its job uses of this module (see ``valueprefs.runtime.code_digest``).
The tables of the merge and of judge agreement are imported by those jobs only: pandas would be
most of a step job's start-up time.
"""

import logging
from collections.abc import Iterable, Iterator

from valueprefs.annotation.annotator import apply_primary_labels, summarize_labels
from valueprefs.annotation.batch import collect_answers, submit_requests
from valueprefs.annotation.recognized import MAX_NAMED, named_values
from valueprefs.annotation.standardize import standardized_names
from valueprefs.annotation.steps import annotated_input, label_step, step_annotator, step_input
from valueprefs.io import iter_jsonl, read_json, write_csv, write_json, write_jsonl
from valueprefs.planning import step_judges
from valueprefs.runtime.cache import moved_aside

log = logging.getLogger("valueprefs.annotation")


def annotate_step(
    step: str,
    source_path: str,
    vocabulary_csv: str,
    judging: dict,
    outputs: dict[str, str],
    shard: tuple[int, int] = (0, 1),
) -> dict:
    """One annotation step over a file (or shard ``(i, n)`` of its items): audit records, call
    counts and (arguments) the table. ``judging`` holds the ``judges``, the step's
    ``settings``, the judge prompt ``templates`` (name -> path) and the ``cache_dir``;
    ``outputs`` the ``labels`` and ``stats`` files, and for ``arguments`` the ``arguments`` table.

    ``arguments`` reads the responses and writes the argument table; ``values`` and
    ``specificity`` read that table, so the Batch API rules can sit between a step's input and
    the step."""
    settings = judging["settings"]
    rows, excluded = annotated_input(step, source_path, settings, shard)
    judges = step_judges(judging["judges"], step)
    annotator = step_annotator(judges, vocabulary_csv, settings, judging["templates"], judging["cache_dir"])
    table = label_step(annotator, step, rows)
    if outputs.get("arguments") is not None:
        write_jsonl(outputs["arguments"], table or [])
    write_jsonl(outputs["labels"], annotator.records)
    meters = {judge: meter.as_dict() for judge, meter in sorted(annotator.meters.items())}
    calls = sum(meter["completions"] for meter in meters.values())
    stats = {"step": step, "inputs": len(rows), "judge_calls": calls, "cache_hits": annotator.cache.hits}
    if step == "arguments":
        stats["excluded_truncated"] = excluded
    stats["meters"] = meters
    stats["cache_moved_aside"] = moved_aside()
    write_json(outputs["stats"], stats)
    return stats


def merge_annotation(
    responses_path: str,
    arguments_paths: list[str],
    labels_paths: list[str],
    stats_paths: list[str],
    judges: list[dict],
    outputs: dict[str, str],
) -> dict:
    """Join the steps' records into the annotated argument table (``outputs``: ``arguments`` as
    JSONL, ``table`` as CSV), all records (``labels``) and a ``summary``. With shards,
    ``arguments_paths`` lists each shard's table in order, and the labels and stats paths each
    step's shards in order."""
    from valueprefs.annotation.argument_table import write_argument_table  # pandas: this job's only

    responses = step_input("arguments", responses_path)
    arguments = [row for path in arguments_paths for _, row in iter_jsonl(path, allow_empty=True)]
    # Every record goes to the merged labels file whole as it is read; what stays in memory for
    # the table and the summary is the records without their raw answers (most of the bytes).
    records: list[dict] = []
    labels = (record for path in labels_paths for _, record in iter_jsonl(path, allow_empty=True))
    write_jsonl(outputs["labels"], _kept_without_raw(labels, records))
    stats = [read_json(path) for path in stats_paths]
    annotated = apply_primary_labels(arguments, records, judges)
    write_jsonl(outputs["arguments"], annotated)
    write_argument_table(outputs["table"], annotated)
    summary = summarize_labels(records, len(responses), len(arguments), stats)
    write_json(outputs["summary"], summary)
    return summary


def _kept_without_raw(records: Iterable[dict], kept: list[dict]) -> Iterator[dict]:
    """Each record as it is read, a copy without its raw answers appended to ``kept``."""
    for record in records:
        yield record
        kept.append({key: value for key, value in record.items() if key != "raw"})


def submit_batch(
    step: str,
    judge: dict,
    source_path: str,
    vocabulary_csv: str,
    settings: dict,
    template_paths: dict[str, str],
    cache_dir: str,
    out_submitted: str,
) -> dict:
    """Submit the uncached first-attempt requests of one judge step as an OpenAI batch (once)."""
    planned: list = []
    annotator = step_annotator([judge], vocabulary_csv, settings, template_paths, cache_dir, planned)
    label_step(annotator, step, annotated_input(step, source_path, settings)[0])
    state = submit_requests(judge, planned, cache_dir)
    write_json(out_submitted, {key: value for key, value in state.items() if key != "calls"})
    return {"batch_id": state["batch_id"], "submitted": state["requests"], "planned": len(planned)}


def collect_batch(judge: dict, submitted_path: str, cache_dir: str, out_collected: str) -> dict:
    """Poll a submitted batch and put its answers into the call cache."""
    submitted = read_json(submitted_path)
    state = read_json(submitted["state_file"]) if submitted["batch_id"] else submitted
    result = collect_answers(judge, state, cache_dir, judge["batch_wait"], judge["batch_poll"])
    write_json(out_collected, result)
    return result


def standardize_gold(
    items_path: str,
    vocabulary_csv: str,
    judge: dict | None,
    template_paths: dict[str, str],
    cache_dir: str,
    out_gold: str,
    out_report: str,
) -> dict:
    """Gold values of a recognition data set, names outside the vocabulary standardized onto it
    by the judge (Figure 23) or dropped and counted; and a report of what was mapped."""
    rows = [row for _, row in iter_jsonl(items_path)]
    names = sorted({name for row in rows for name in row.get("unmatched_values", [])})
    _, mapping, spent = standardized_names(names, vocabulary_csv, judge, template_paths, cache_dir)
    gold = []
    for row in rows:
        extra = {mapping[name] for name in row.get("unmatched_values", []) if mapping.get(name)}
        gold.append(
            {
                "situation_id": row["situation_id"],
                "situation": row["situation"],
                "values": sorted({*row["values"], *extra}),
            }
        )
    write_jsonl(out_gold, gold)
    report = {
        "situations": len(gold),
        "names_to_standardize": len(names),
        "standardized": sum(1 for value in mapping.values() if value),
        "dropped": sorted(name for name, value in mapping.items() if not value),
        "judge": judge["name"] if judge else None,
        "judge_calls": sum(meter["completions"] for meter in spent.values()),
        "spent": spent,
    }
    write_json(out_report, report)
    return report


def recognized_values(
    responses_path: str,
    vocabulary_csv: str,
    judge: dict | None,
    template_paths: dict[str, str],
    cache_dir: str,
    out_values: str,
    out_summary: str,
) -> dict:
    """A model's value-recognition answers mapped onto the vocabulary the way gold values are:
    each situation's recognized values (and the names dropped), and a summary."""
    rows = [row for _, row in iter_jsonl(responses_path, allow_empty=True) if row.get("status") == "ok"]
    named = {row["item_id"]: named_values(row.get("text") or "") for row in rows}
    names = sorted({name for found in named.values() for name in found})
    direct, mapping, spent = standardized_names(names, vocabulary_csv, judge, template_paths, cache_dir)
    situations = []
    for item_id, found in named.items():
        values = list(dict.fromkeys(mapping[name] for name in found if mapping[name]))[:MAX_NAMED]
        dropped = [name for name in found if not mapping[name]]
        situations.append({"item_id": item_id, "values": values, "names": found, "dropped": dropped})
    write_jsonl(out_values, situations)
    summary = {
        "situations": len(situations),
        "names": len(names),
        "matched_by_spelling": sum(1 for value in direct.values() if value),
        "standardized_by_judge": sum(1 for name in names if mapping[name] and not direct[name]),
        "dropped_names": sorted(name for name in names if not mapping[name]),
        "judge": judge["name"] if judge else None,
        "judge_calls": sum(meter["completions"] for meter in spent.values()),
        "spent": spent,
    }
    write_json(out_summary, summary)
    return summary


def write_judge_agreement(label_files: list[str], out_csv: str):
    """Agreement per step and judge pair over the audit records of many response files."""
    from valueprefs.annotation.agreement import agreement_table  # pandas and krippendorff: this job's only

    table = agreement_table(label_files)
    write_csv(out_csv, table)
    return table
