"""A readable summary of a finished run, printed by the workflow at the end.

The workflow names the job summaries of its DAG; the ones that exist are read (a run of one
target has written only some of them). Nothing else on disk is looked at.
"""

import json
from pathlib import Path

from valueprefs.planning import AUDIT_SUFFIX

# The counts of a run that say whether its answers can be trusted, per job (report table).
GENERATION_COUNTS = (
    "responses", "calls", "failed_calls", "decisions", "unparsed_decisions", "order_pairs",
    "position_driven_decisions", "truncated_responses", "suspect_answers",
)  # fmt: skip
ANNOTATION_COUNTS = (
    "responses", "excluded_truncated", "split_by_structure", "arguments", "judge_calls", "dropped_value_names",
    "responses_over_argument_cap",
)  # fmt: skip


def control_headline(checks: list[dict]) -> str:
    """``control checks: 14 of 14 passed`` for the rows of ``controls.csv`` (or that there are none)."""
    if not checks:
        return "control checks: none (no calibration control in this config)"
    passed = sum(str(row.get("passed")).lower() == "true" for row in checks)
    return f"control checks: {passed} of {len(checks)} passed"


def control_line(controls_csv: str) -> list[str]:
    """The control headline of ``controls_csv`` as the run summary's last line, if it exists."""
    import csv

    if not Path(controls_csv).is_file():
        return []
    with open(controls_csv, newline="", encoding="utf-8") as table:
        return [control_headline(list(csv.DictReader(table)))]


AUDIT_STATISTICS = {"arguments": ("exact_match", "arguments"), "values": ("jaccard", "values")}


def audit_lines(agreement_csv: str, floors: dict) -> list[str]:
    """The audit judge's agreement with structure first, per step, each below its floor marked."""
    import csv

    if not Path(agreement_csv).is_file():
        return []
    with open(agreement_csv, newline="", encoding="utf-8") as table:
        rows = [row for row in csv.DictReader(table) if _auditor(row)]
    lines = []
    for row in rows:
        statistic, floor_key = AUDIT_STATISTICS.get(row["step"], ("krippendorff_alpha", "specificity"))
        value = row.get(statistic) or "nan"
        if value == "nan":
            continue
        bounds = [row.get(f"{statistic}_{end}") or "nan" for end in ("low", "high")]
        interval = "" if "nan" in bounds else f" [{float(bounds[0]):.2f}, {float(bounds[1]):.2f}]"
        below = float(value) < floors[floor_key]
        lines.append(
            f"  audit {_auditor(row)}, {row['step']}: {statistic.replace('_', ' ')} {float(value):.2f}{interval} "
            f"over {row['n']} {'answers' if row['step'] == 'arguments' else 'arguments'}"
            + (f", BELOW the floor {floors[floor_key]}" if below else "")
        )
    return lines


def _auditor(row: dict) -> str | None:
    """The audit judge of an agreement row (either side of the pair), if it has one."""
    return next((row[side] for side in ("judge_b", "judge_a") if row[side].endswith(AUDIT_SUFFIX)), None)


def run_summary(
    generation: dict[str, str],
    annotation: dict[str, str],
    data: dict[str, str] | None = None,
    ledger_runs: str | None = None,
    since: float | None = None,
    controls: str | None = None,
    audit: tuple[str, dict] | None = None,
) -> str:
    """Lines describing the data sets, generation and annotation jobs whose summary files (and
    ``data``: load reports) are given, and the spend over all runs (``ledger_runs``: the ledger
    rule's per-run table). With ``since`` (this run's start, a Unix time) a generation job whose
    summary is older is marked as an earlier run's, and a line counts the model calls this run made.
    ``audit`` (``judge_agreement.csv``, the floors of ``annotation.audit``) adds the audit's
    agreement and names each value below its floor. The last line counts the control checks
    that passed (``controls``: ``controls.csv``)."""
    lines = ["valueprefs run summary", "======================"]
    for dataset, path in (data or {}).items():
        if Path(path).is_file():
            lines += _data_lines(dataset, json.loads(Path(path).read_text(encoding="utf-8")))
    generated = _existing(generation.values())
    generation_lines, ran_now, made_now = _generation_lines(generated, since)
    annotated = _existing(annotation.values())
    lines += generation_lines + (_annotation_lines(annotated) if annotated else [])
    if not generated and not annotated:
        lines.append("no generation or annotation results yet")
    if since is not None:
        lines.append(f"this run: {ran_now} generation jobs ran, {made_now} model calls made")
    if ledger_runs and Path(ledger_runs).is_file():
        lines += _spend_lines(ledger_runs)
    if audit:
        lines += audit_lines(*audit)
    if controls:
        lines += control_line(controls)  # last: what the run found about itself
    return "\n".join(lines)


def _generation_lines(summaries: list[Path], since: float | None) -> tuple[list[str], int, int]:
    """A line (and its warnings) per generation job summary; the jobs that ran in this run
    (summaries written since ``since``) and the model calls they made."""
    lines, ran_now, made_now = [], 0, 0
    for path in summaries:
        s = json.loads(path.read_text(encoding="utf-8"))
        calls, cached = s.get("calls", 0), s.get("cache_hits", 0)
        made = calls - cached
        earlier = since is not None and path.stat().st_mtime < since
        if not earlier:
            made_now, ran_now = made_now + made, ran_now + 1
        lines.append(
            f"generate {s['model']}/{s['alignment']}{' (an earlier run)' if earlier else ''}: "
            f"{s.get('responses', 0)} responses from {calls} calls "
            f"({made} made, {s.get('failed_calls', 0)} of them failed; {cached} from the cache), "
            f"{s.get('unparsed_decisions', 0)} of {s.get('decisions', 0)} short-form answers unparsed, "
            f"{s.get('position_driven_decisions', 0)} of {s.get('order_pairs', 0)} decisions flip with the action order"
        )
        lines += [f"  failed calls: {count} x {reason}" for reason, count in s.get("failure_reasons", {}).items()]
        lines += _moved_aside_lines(s.get("cache_moved_aside", []))
        if s.get("suspect_answers"):
            lines.append(f"  answers longer than their max_tokens allows (flagged 'suspect'): {s['suspect_answers']}")
        examples = list(s.get("unparsed_examples", {}).items())[:3]
        lines += [f"  unparsed short-form answer, {where}: {text!r}" for where, text in examples]
        cut = _cut_off(s)
        if cut:
            lines.append(f"  answers cut off at the token limit (finish_reason length): {cut}")
    return lines, ran_now, made_now


def _annotation_lines(summaries: list[Path]) -> list[str]:
    """One line over every annotation job summary, then what needs a reader's eye."""
    totals = dict.fromkeys(ANNOTATION_COUNTS, 0)
    failures: dict[str, int] = {}
    moved: set[str] = set()
    for path in summaries:
        s = json.loads(path.read_text(encoding="utf-8"))
        for key in totals:
            totals[key] += s.get(key, 0)
        for kind, count in s.get("failures", {}).items():
            failures[kind] = failures.get(kind, 0) + count
        moved.update(s.get("cache_moved_aside", []))
    lines = [
        f"annotate {len(summaries)} files: {totals['responses']} responses, {totals['arguments']} arguments, "
        f"{totals['judge_calls']} judge calls, {totals['dropped_value_names']} value names dropped, "
        f"{totals['responses_over_argument_cap']} responses over the argument cap"
    ]
    if totals["split_by_structure"]:
        lines.append(
            f"  {totals['split_by_structure']} of {totals['responses']} responses split by structure "
            "(clean numbered lists of k), the others extracted by the judge (structure_first)"
        )
    if totals["excluded_truncated"]:
        left_out = totals["excluded_truncated"]
        lines.append(f"  {left_out} answers cut off at the token limit left out (exclude_truncated)")
    lines += [f"  failed labels, {kind}: {count}" for kind, count in sorted(failures.items())]
    return lines + _moved_aside_lines(sorted(moved))


def _spend_lines(ledger_runs: str) -> list[str]:
    """Calls, tokens and USD over every run so far (interrupted ones included)."""
    import csv

    with open(ledger_runs, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    if not rows:
        return []
    calls = sum(int(row["calls_made"]) for row in rows)
    tokens = sum(int(row["prompt_tokens_spent"]) + int(row["completion_tokens_spent"]) for row in rows)
    cached = sum(int(row.get("cached_input_tokens_spent") or 0) for row in rows)
    served = f" ({cached} served by a provider's prompt cache)" if cached else ""
    priced = [float(row["usd_spent"]) for row in rows if row["usd_spent"]]
    usd = f", ${sum(priced):.2f} where priced" if priced else ""
    runs = len({row["run"] for row in rows})
    return [f"spend over {runs} runs so far ({ledger_runs}): {calls} calls, {tokens} tokens{served}{usd}"]


def _moved_aside_lines(paths: list[str]) -> list[str]:
    """The damaged cache shards jobs moved aside (their calls were made again)."""
    return [f"  damaged cache shard moved aside (its calls made again): {path}" for path in paths]


def _cut_off(summary: dict) -> str:
    """The tasks (data set/task, k included) with answers cut off at the token limit, with counts."""
    counts = summary.get("truncated", {}).items()
    return ", ".join(f"{task} {n['truncated']} of {n['answers']}" for task, n in counts if n["truncated"])


def _existing(paths) -> list[Path]:
    return [Path(path) for path in paths if Path(path).is_file()]


def _data_lines(dataset: str, report: dict) -> list[str]:
    """What loading a data set dropped: value names not in the vocabulary (named, with how
    often each was mentioned) and dilemmas left without values."""
    unknown = report.get("unknown_values") or {}
    dropped = report.get("dilemmas_dropped_for_empty_value_set") or []
    if not unknown and not dropped:
        return []
    lines = [f"data {dataset}: {report.get('items', 0)} items kept"]
    if unknown:
        names = sorted(unknown.items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{name} ({count})" for name, count in names[:10])
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        lines.append(f"  value names not in the vocabulary, dropped: {shown}{more} (load_report.json)")
    if dropped:
        lines.append(f"  {len(dropped)} dilemmas dropped: no known value on one side")
    return lines


def summary_rows(generation: dict[str, str], annotation: dict[str, str]) -> list[dict]:
    """One row per generation job and annotated response file: the counts of the console
    summary (failed labels summed over judges and steps), for the report."""
    rows = []
    for job, path in generation.items():
        s = json.loads(Path(path).read_text(encoding="utf-8"))
        row = {"stage": "generate", "job": job, **{key: s.get(key, 0) for key in GENERATION_COUNTS}}
        rows.append(row | {"truncated_by_task": _cut_off(s)})
    for job, path in annotation.items():
        s = json.loads(Path(path).read_text(encoding="utf-8"))
        row = {"stage": "annotate", "job": job, **{key: s.get(key, 0) for key in ANNOTATION_COUNTS}}
        rows.append(row | {"failed_labels": sum(s.get("failures", {}).values())})
    return rows
