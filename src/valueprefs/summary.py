"""A readable summary of a finished run, printed by the workflow at the end."""

import json
from pathlib import Path


def run_summary(results_dir: str | Path = "results") -> str:
    """Lines describing generation and annotation jobs found under ``results_dir``."""
    results = Path(results_dir)
    lines = ["valueprefs run summary", "======================"]
    for path in sorted(results.glob("generation/*/*/summary.json")):
        s = json.loads(path.read_text(encoding="utf-8"))
        lines.append(
            f"generate {s['model']}/{s['alignment']}: {s.get('responses', 0)} responses, "
            f"{s.get('model_calls', 0)} model calls ({s.get('cache_hits', 0)} cached), "
            f"{s.get('failed_calls', 0)} failed, {s.get('unparsed_decisions', 0)} unparsed decisions, "
            f"{s.get('position_driven_decisions', 0)} of {s.get('order_pairs', 0)} decisions flip with the action order"
        )
        lines += [f"  failed calls: {count} x {reason}" for reason, count in s.get("failure_reasons", {}).items()]
    annotation = sorted(results.glob("annotation/*/*/*/*.summary.json"))
    if annotation:
        totals = {
            "responses": 0,
            "arguments": 0,
            "judge_calls": 0,
            "dropped_value_names": 0,
            "responses_over_argument_cap": 0,
        }
        failures: dict[str, int] = {}
        for path in annotation:
            s = json.loads(path.read_text(encoding="utf-8"))
            for key in totals:
                totals[key] += s.get(key, 0)
            for kind, count in s.get("failures", {}).items():
                failures[kind] = failures.get(kind, 0) + count
        lines.append(
            f"annotate {len(annotation)} files: {totals['responses']} responses, {totals['arguments']} arguments, "
            f"{totals['judge_calls']} judge calls, {totals['dropped_value_names']} value names dropped, "
            f"{totals['responses_over_argument_cap']} responses over the argument cap"
        )
        lines += [f"  failed labels, {kind}: {count}" for kind, count in sorted(failures.items())]
    if len(lines) == 2:
        lines.append("no generation or annotation results yet")
    return "\n".join(lines)
