"""Responses generated elsewhere, imported in the tool's output schema.

A directory holds ``{dataset}/{task}.jsonl`` files whose rows have at least ``item_id``,
``sample`` and ``text`` (and ``decision`` for short-form tasks, or it is parsed from the text).
"""

from pathlib import Path

from valueprefs.decisions import UNPARSED, decision
from valueprefs.errors import DataError
from valueprefs.io import iter_jsonl, write_json, write_jsonl
from valueprefs.tasks import Task

REQUIRED_FIELDS = ("item_id", "sample", "text")


def import_responses(
    directory: str, base: dict, outputs: dict[tuple[str, str], str], summary_path: str, timings_path: str
) -> dict:
    """Validate and copy imported responses into the workflow's files; fail naming a bad row."""
    counts = {"responses": 0, "imported_files": 0, "decisions": 0, "unparsed_decisions": 0}
    for (dataset, task), output in outputs.items():
        source, kind = Path(directory) / dataset / f"{task}.jsonl", Task.parse(task)
        rows = []
        for line, record in iter_jsonl(source):
            missing = [field for field in REQUIRED_FIELDS if field not in record]
            if missing:
                raise DataError(str(source), f"missing field(s) {', '.join(missing)}", f"line {line}")
            if not isinstance(record["text"], str):
                raise DataError(str(source), f"text must be a string, got {record['text']!r:.60}", f"line {line}")
            row = {**record, **base, "dataset": dataset, "task": task, "item_id": str(record["item_id"])}
            row.setdefault("status", "ok")
            row["mode"] = kind.mode
            if kind.mode == "short":
                if "decision" not in record:
                    row["decision"] = decision(record["text"], swapped=kind.swapped)
                counts["decisions"] += 1
                counts["unparsed_decisions"] += row["decision"] == UNPARSED
            rows.append(row)
        write_jsonl(output, sorted(rows, key=lambda r: (r["item_id"], r["sample"])))
        counts["responses"] += len(rows)
        counts["imported_files"] += 1
    write_jsonl(timings_path, [])
    summary = {**base, **counts, "model_calls": 0}
    write_json(summary_path, summary)
    return summary
